using LlmOps.Contracts.Inference;
using MassTransit;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// Stores every gateway request as a generation in its trace. Two events of one trace arriving together may race to
/// create it; the loser fails on the primary key and MassTransit's retry finds the row on the next attempt.
/// (Batch consumption and bulk writes come with the trace-collector issue.)
/// </summary>
public sealed class InferenceCompletedConsumer(InferenceTraceWriter writer) : IConsumer<InferenceCompleted>
{
    public Task Consume(ConsumeContext<InferenceCompleted> context) =>
        writer.WriteAsync(context.Message, context.CancellationToken);
}
