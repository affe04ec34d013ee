using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using MassTransit;

namespace LlmOps.Evaluator.Features.Online;

/// <summary>Finished traces, in batches: scored, and the scores published as one ScoreRecordedBatch (after success).</summary>
public sealed class TraceCompletedConsumer(OnlineEvaluation evaluation, [FromKeyedServices(EvaluationProgress.LexicalLane)] EvaluationProgress progress) : IConsumer<Batch<TraceCompleted>>
{
    public Task Consume(ConsumeContext<Batch<TraceCompleted>> context) =>
        ScoreAsync(context, context.Message.Select(m => m.Message).ToList(), evaluation, progress);

    /// <summary>Scores the traces, publishes their scores as one batch (after the consumer succeeds), and keeps the lane's progress.</summary>
    public static async Task ScoreAsync(ConsumeContext context, List<TraceCompleted> traces, OnlineEvaluation evaluation, EvaluationProgress progress)
    {
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
            // Retried by the bus (then the error queue): counted, so a failing evaluator shows instead of going quiet.
            progress.Failed(traces.Count);
            throw;
        }
        if (result.Scores.Count > 0)
            await Loop.OwnScores.PublishAsync(context, new ScoreRecordedBatch { Scores = result.Scores });
        progress.Finished(result.Evaluated, result.Skipped, result.Scores.Select(s => (s.Name, s.Status)), traces.Select(t => t.CompletedAt));
    }
}
