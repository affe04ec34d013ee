using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Online;
using MassTransit;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Judges;

/// <summary>The judge lane for batches of finished traces: the traces of one message judged side by side (bounded).</summary>
public sealed class JudgeTraceBatchConsumer(IServiceScopeFactory scopes, [FromKeyedServices(EvaluationProgress.JudgeLane)] EvaluationProgress progress,
    Configuration.EvaluatorCatalog catalog, IOptions<EvaluatorOptions> options) : IConsumer<TraceCompletedBatch>
{
    public async Task Consume(ConsumeContext<TraceCompletedBatch> context)
    {
        var traces = (context.Message.Traces ?? []).OfType<TraceCompleted>().ToList();
        if (traces.Count == 0)
            return;
        progress.Started(traces.Count);
        var scores = new System.Collections.Concurrent.ConcurrentBag<ScoreRecorded>();
        var judged = 0;
        // Only traces a judge will look at get a scope (and a DbContext): in most batches that is none.
        var toJudge = traces.Where(t => JudgeEvaluation.Judges(catalog, t).Any()).ToList();
        try
        {
            await Parallel.ForEachAsync(toJudge, new ParallelOptions
            {
                MaxDegreeOfParallelism = options.Value.Gateway.Concurrency,
                CancellationToken = context.CancellationToken,
            }, async (trace, ct) =>
            {
                // A scope per trace: each judges with its own DbContext.
                await using var scope = scopes.CreateAsyncScope();
                var own = await scope.ServiceProvider.GetRequiredService<JudgeEvaluation>().EvaluateAsync(trace, ct);
                if (own.Count > 0)
                    Interlocked.Increment(ref judged);
                foreach (var score in own)
                    scores.Add(score);
            });
        }
        catch
        {
            progress.Failed(traces.Count);
            throw;
        }
        if (!scores.IsEmpty)
            await Loop.OwnScores.PublishAsync(context, new ScoreRecordedBatch { Scores = [.. scores] });
        progress.Finished(judged, traces.Count - judged, scores.Select(s => (s.Name, s.Status)), traces.Select(t => t.CompletedAt));
    }
}
