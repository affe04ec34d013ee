using System.Diagnostics.Metrics;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Telemetry;
using MassTransit;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// Gateway requests into their traces, consumed in batches (up to <c>TraceCollector:BusBatchSize</c> messages or
/// <c>BusBatchWaitMs</c>, whichever comes first) and written in one transaction; the broker hears the acknowledgements
/// only after the commit. An event the store could never hold (ids beyond the column sizes) is counted and dropped
/// rather than failing the whole batch forever.
/// </summary>
public sealed partial class InferenceCompletedConsumer(TraceStore store, ILogger<InferenceCompletedConsumer> logger) : IConsumer<Batch<InferenceCompleted>>
{
    private static readonly Counter<long> Rejected = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.traces.inference_events_rejected", description: "InferenceCompleted events with ids the trace store cannot hold");

    public async Task Consume(ConsumeContext<Batch<InferenceCompleted>> context)
    {
        var batch = new TraceWriteBatch();
        foreach (var message in context.Message)
        {
            if (InferenceObservations.IsValid(message.Message))
                InferenceObservations.AddTo(batch, message.Message);
            else
            {
                Rejected.Add(1);
                LogRejected(logger, message.Message.InferenceId);
            }
        }
        await store.WriteAsync(batch, context.CancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "InferenceCompleted {InferenceId} has ids the trace store cannot hold; dropped")]
    private static partial void LogRejected(ILogger logger, Guid inferenceId);
}
