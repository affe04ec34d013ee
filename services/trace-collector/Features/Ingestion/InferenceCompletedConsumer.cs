using System.Diagnostics.Metrics;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Telemetry;
using MassTransit;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// Gateway requests into their traces. The gateway publishes them many per message (InferenceCompletedBatch); single
/// InferenceCompleted events are still accepted. Either way they are consumed in batches (messages up to a limit or a
/// wait, whichever comes first) and written in one transaction; the broker hears the acknowledgements only after the
/// commit. An event the store could never hold (ids beyond the column sizes) is counted and dropped rather than failing
/// the whole batch forever.
/// </summary>
public sealed partial class InferenceTraceWriter(TraceStore store, ILogger<InferenceTraceWriter> logger)
{
    private static readonly Counter<long> Rejected = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.traces.inference_events_rejected", description: "InferenceCompleted events with ids the trace store cannot hold");

    public async Task WriteAsync(IEnumerable<InferenceCompleted> inferences, CancellationToken cancellationToken)
    {
        var batch = new TraceWriteBatch();
        foreach (var inference in inferences)
        {
            if (InferenceObservations.IsValid(inference))
                InferenceObservations.AddTo(batch, inference);
            else
            {
                Rejected.Add(1);
                LogRejected(logger, inference.InferenceId);
            }
        }
        await store.WriteAsync(batch, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "InferenceCompleted {InferenceId} has ids the trace store cannot hold; dropped")]
    private static partial void LogRejected(ILogger logger, Guid inferenceId);
}

/// <summary>Single events (<c>TraceCollector:BusBatchSize</c> per transaction).</summary>
public sealed class InferenceCompletedConsumer(InferenceTraceWriter writer) : IConsumer<Batch<InferenceCompleted>>
{
    public Task Consume(ConsumeContext<Batch<InferenceCompleted>> context) =>
        writer.WriteAsync(context.Message.Select(m => m.Message), context.CancellationToken);
}

/// <summary>Batches from the gateway (<c>TraceCollector:BusBatchMessages</c> of them per transaction).</summary>
public sealed class InferenceCompletedBatchConsumer(InferenceTraceWriter writer) : IConsumer<Batch<InferenceCompletedBatch>>
{
    public Task Consume(ConsumeContext<Batch<InferenceCompletedBatch>> context) =>
        writer.WriteAsync(context.Message.SelectMany(m => m.Message.Inferences ?? []), context.CancellationToken);
}
