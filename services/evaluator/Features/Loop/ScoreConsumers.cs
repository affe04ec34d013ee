using LlmOps.Contracts.Evaluation;
using MassTransit;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// Scores from elsewhere (people's feedback, the ingest API) join the loop's window. The evaluator's own scores are
/// recorded by the replica that produced them, so they are skipped here.
/// </summary>
public sealed class ScoreRecordedConsumer(LoopScores scores) : IConsumer<Batch<ScoreRecorded>>
{
    public Task Consume(ConsumeContext<Batch<ScoreRecorded>> context) =>
        scores.RecordAsync(Foreign(context.Message.Select(m => m.Message)), context.CancellationToken);

    /// <summary>Scores that did not come from an evaluator, and that the window can hold.</summary>
    public static List<ScoreRecorded> Foreign(IEnumerable<ScoreRecorded?> incoming) =>
        incoming.OfType<ScoreRecorded>()
            .Where(s => s.Source != ScoreSources.Eval && s.ProjectId is { Length: > 0 and <= 128 } && s.Name is { Length: > 0 and <= 100 }
                        && s.TraceId is null or { Length: <= 64 } && s.PromptName is null or { Length: <= 200 } && s.Model is null or { Length: <= 200 }
                        && s.DataSourceId is null or { Length: <= 200 } && s.Label is null or { Length: <= 100 })
            .ToList();
}

/// <summary>Scores published many per message (a feedback batch).</summary>
public sealed class ScoreRecordedBatchConsumer(LoopScores scores) : IConsumer<Batch<ScoreRecordedBatch>>
{
    public Task Consume(ConsumeContext<Batch<ScoreRecordedBatch>> context) =>
        scores.RecordAsync(ScoreRecordedConsumer.Foreign(context.Message.SelectMany(m => m.Message.Scores ?? [])), context.CancellationToken);
}

/// <summary>
/// Runs the controller over every project that received scores: debounced, and paced by what a pass costs, at most
/// <see cref="LoopOptions.MinPassIntervalMs"/> apart (<see cref="LoopPacer"/>).
/// </summary>
public sealed class LoopTicker(LoopWork work, IServiceScopeFactory scopes, IOptions<EvaluatorOptions> options, TimeProvider clock,
    ILogger<LoopTicker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pacer = new LoopPacer(TimeSpan.FromMilliseconds(options.Value.Loop.MinPassIntervalMs));
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<LoopController>().WarmUpAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only the first pass's speed depends on it (the database may still be starting).
            logger.LogWarning(ex, "Loop warm-up failed; the first pass will translate its queries");
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var wait = pacer.NextDueIn(clock.GetUtcNow()) is { } due && due < TimeSpan.FromSeconds(1) ? due : TimeSpan.FromSeconds(1);
                await work.WaitAsync(wait, stoppingToken);
                // Let a burst of score batches land before reading the window.
                await Task.Delay(100, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            foreach (var project in pacer.Due(work.Drain(), clock.GetUtcNow()))
            {
                var started = clock.GetTimestamp();
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<LoopController>().EvaluateAsync(project, stoppingToken);
                    pacer.Ran(project, clock.GetElapsedTime(started));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Try again on a later pass (the broker or the database may be restarting).
                    logger.LogWarning(ex, "Loop pass over project {Project} failed; retrying", project);
                    work.MarkDirty(project);
                }
            }
        }
    }
}
