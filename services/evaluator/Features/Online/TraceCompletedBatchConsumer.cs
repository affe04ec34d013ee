using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using MassTransit;

namespace LlmOps.Evaluator.Features.Online;

/// <summary>Finished traces as trace-collector publishes them (many per message), scored exactly like single ones.</summary>
public sealed class TraceCompletedBatchConsumer(OnlineEvaluation evaluation, [FromKeyedServices(EvaluationProgress.LexicalLane)] EvaluationProgress progress)
    : IConsumer<Batch<TraceCompletedBatch>>
{
    public async Task Consume(ConsumeContext<Batch<TraceCompletedBatch>> context)
    {
        var traces = context.Message.SelectMany(m => m.Message.Traces ?? []).OfType<TraceCompleted>().ToList();
        if (traces.Count == 0)
            return;
        progress.Started(traces.Count);
        OnlineEvaluation.Result result;
        try
        {
            result = await evaluation.EvaluateAsync(traces, context.CancellationToken);
        }
        catch
        {
            progress.Failed(traces.Count);
            throw;
        }
        if (result.Scores.Count > 0)
            await context.Publish(new ScoreRecordedBatch { Scores = result.Scores }, context.CancellationToken);
        progress.Finished(result.Evaluated, result.Skipped, result.Scores.Select(s => (s.Name, s.Status)), traces.Select(t => t.CompletedAt));
    }
}
