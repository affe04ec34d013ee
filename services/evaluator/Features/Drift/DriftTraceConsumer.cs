using LlmOps.Contracts.Tracing;
using MassTransit;

namespace LlmOps.Evaluator.Features.Drift;

/// <summary>Finished traces, in batches, on drift detection's own queue: kept as observations for the detector's windows.</summary>
public sealed class DriftTraceConsumer(DriftObservations observations) : IConsumer<Batch<TraceCompleted>>
{
    public Task Consume(ConsumeContext<Batch<TraceCompleted>> context) =>
        observations.RecordAsync(context.Message.Select(m => m.Message).ToList(), context.CancellationToken);
}
