using LlmOps.Contracts.Evaluation;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Online;

/// <summary>
/// Publishes each lane's EvaluatorProgressReported every <see cref="EvaluatorOptions.ProgressReportSeconds"/>, so alerting
/// sees a stalled evaluator (growing lag) and a vanished one (reports stop). Publishes through the
/// <see cref="BoundedPublisher"/>: a broker that is down costs one logged warning per period, never a hang or a crash.
/// </summary>
public sealed class ProgressReporter(
    [FromKeyedServices(EvaluationProgress.LexicalLane)] EvaluationProgress lexical,
    [FromKeyedServices(EvaluationProgress.JudgeLane)] EvaluationProgress judge,
    BoundedPublisher publisher, TimeProvider clock, IOptions<EvaluatorOptions> options, ILogger<ProgressReporter> logger) : BackgroundService
{
    /// <summary>This replica among others: pods restart under one name, so the process id is part of it.</summary>
    public static readonly string Instance = $"{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ProgressReportSeconds;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(interval), clock);
        do
        {
            foreach (var lane in new[] { lexical, judge })
            {
                try
                {
                    await publisher.PublishAsync(Report(lane, interval), stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning("Publishing the {Lane} lane's progress failed: {Error}", lane.Lane, e.Message);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public EvaluatorProgressReported Report(EvaluationProgress lane, int intervalSeconds) => new()
    {
        Instance = Instance,
        Lane = lane.Lane,
        Backlog = lane.Backlog,
        LagSeconds = lane.LagSeconds(),
        Stalled = lane.Stalled,
        IntervalSeconds = intervalSeconds,
        ReportedAt = clock.GetUtcNow(),
    };
}
