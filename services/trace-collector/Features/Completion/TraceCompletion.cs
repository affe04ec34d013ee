using System.Diagnostics.Metrics;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Telemetry;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.TraceCollector.Features.Completion;

/// <summary>
/// Publishes TraceCompleted for traces that are done: every observation has ended and nothing arrived for the quiet
/// period (<c>TraceCollector:QuietPeriodSeconds</c>); a trace with an observation that never ends is published anyway
/// after <c>MaxOpenSeconds</c> without activity. Activity after a publication makes the trace pending again, and it is
/// published again with the next revision (evaluators may re-score it). Delivery is at least once: the trace is marked
/// published only after the broker confirmed, and only if nothing arrived meanwhile; a crash in between publishes the
/// same revision twice, which consumers deduplicate on (trace, revision).
/// </summary>
public sealed partial class TraceCompletion(IServiceScopeFactory scopes, IOptions<TraceCollectorOptions> options, TimeProvider clock,
    ILogger<TraceCompletion> logger) : BackgroundService
{
    private const int ScanSize = 200;

    private static readonly Counter<long> Published = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.traces.completed_published", description: "TraceCompleted messages published");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.CompletionScanIntervalMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A full scan means more are waiting: go again at once.
                while (await ScanAsync(stoppingToken) == ScanSize)
                {
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogScanFailed(logger, ex);
            }
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: publishes what is complete; returns how many candidates it looked at.</summary>
    public async Task<int> ScanAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var publisher = scope.ServiceProvider.GetRequiredService<BoundedPublisher>();
        var now = clock.GetUtcNow().UtcDateTime;
        var quietSince = now.AddSeconds(-options.Value.QuietPeriodSeconds);
        var abandonedSince = now.AddSeconds(-options.Value.MaxOpenSeconds);

        var candidates = await db.Traces.AsNoTracking()
            .Where(t => t.Pending && t.LastActivityAt <= quietSince)
            .OrderBy(t => t.LastActivityAt)
            .Take(ScanSize)
            .ToListAsync(cancellationToken);
        if (candidates.Count == 0)
            return 0;

        foreach (var project in candidates.GroupBy(t => t.ProjectId))
        {
            var ids = project.Select(t => t.Id).ToList();
            var observations = (await db.Observations.AsNoTracking()
                    .Where(o => o.ProjectId == project.Key && ids.Contains(o.TraceId))
                    .ToListAsync(cancellationToken))
                .ToLookup(o => o.TraceId);
            foreach (var trace in project)
            {
                var own = observations[trace.Id].ToList();
                if (own.Any(o => o.EndTime is null) && trace.LastActivityAt > abandonedSince)
                    continue;
                var revision = trace.Revision + 1;
                await publisher.PublishAsync(TraceSummary.Build(trace, own, revision), cancellationToken);
                Published.Add(1);
                // Marked only if nothing arrived since it was read; otherwise it stays pending for the next revision.
                await db.Traces
                    .Where(t => t.ProjectId == trace.ProjectId && t.Id == trace.Id && t.LastActivityAt == trace.LastActivityAt)
                    .ExecuteUpdateAsync(set => set.SetProperty(t => t.Pending, false).SetProperty(t => t.Revision, revision), cancellationToken);
            }
        }
        return candidates.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for completed traces failed; trying again at the next interval")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);
}
