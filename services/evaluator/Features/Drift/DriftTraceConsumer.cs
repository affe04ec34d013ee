using LlmOps.Contracts.Tracing;
using MassTransit;

namespace LlmOps.Evaluator.Features.Drift;

/// <summary>Finished traces, in batches, on drift detection's own queue: kept as observations for the detector's windows.</summary>
public sealed class DriftTraceConsumer(DriftObservations observations) : IConsumer<Batch<TraceCompleted>>
{
    public Task Consume(ConsumeContext<Batch<TraceCompleted>> context) =>
        observations.RecordAsync(context.Message.Select(m => m.Message).ToList(), context.CancellationToken);
}

/// <summary>Finished traces many per message, as trace-collector publishes them.</summary>
public sealed class DriftTraceBatchConsumer(DriftObservations observations) : IConsumer<Batch<TraceCompletedBatch>>
{
    public Task Consume(ConsumeContext<Batch<TraceCompletedBatch>> context) =>
        observations.RecordAsync(context.Message.SelectMany(m => m.Message.Traces ?? []).OfType<TraceCompleted>().ToList(), context.CancellationToken);
}
