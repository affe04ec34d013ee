using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Online;
using MassTransit;

namespace LlmOps.Evaluator.Features.Judges;

/// <summary>
/// Finished traces on the judge lane, a queue of its own (<c>evaluator-judge-trace-completed</c>), so judge latency
/// never slows the checks; as many in flight as <c>Evaluator:Gateway:Concurrency</c>.
/// </summary>
public sealed class JudgeTraceConsumer(JudgeEvaluation evaluation, [FromKeyedServices(EvaluationProgress.JudgeLane)] EvaluationProgress progress)
    : IConsumer<TraceCompleted>
{
    public async Task Consume(ConsumeContext<TraceCompleted> context)
    {
        progress.Started(1);
        List<ScoreRecorded> scores;
        try
        {
            scores = await evaluation.EvaluateAsync(context.Message, context.CancellationToken);
        }
        catch
        {
            progress.Failed(1);
            throw;
        }
        if (scores.Count > 0)
            await Loop.OwnScores.PublishAsync(context, new ScoreRecordedBatch { Scores = scores });
        progress.Finished(scores.Count > 0 ? 1 : 0, scores.Count > 0 ? 0 : 1, scores.Select(s => (s.Name, s.Status)), [context.Message.CompletedAt]);
    }
}
