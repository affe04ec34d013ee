using LlmOps.Contracts.Tracing;
using MassTransit;

namespace LlmOps.Evaluator.Features.Online;

/// <summary>Finished traces as trace-collector publishes them (many per message), scored exactly like single ones.</summary>
public sealed class TraceCompletedBatchConsumer(OnlineEvaluation evaluation, [FromKeyedServices(EvaluationProgress.LexicalLane)] EvaluationProgress progress)
    : IConsumer<Batch<TraceCompletedBatch>>
{
    public Task Consume(ConsumeContext<Batch<TraceCompletedBatch>> context) =>
        TraceCompletedConsumer.ScoreAsync(context, context.Message.SelectMany(m => m.Message.Traces ?? []).OfType<TraceCompleted>().ToList(),
            evaluation, progress);
}
