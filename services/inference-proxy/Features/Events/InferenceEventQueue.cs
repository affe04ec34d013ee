using System.Diagnostics.Metrics;
using System.Threading.Channels;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Events;

/// <summary>
/// InferenceCompleted events waiting for the broker. Requests hand their event over and return at once; a background
/// publisher drains the queue in batches. When the queue is full the request waits for room instead of dropping the
/// event; the publisher moves what the broker does not confirm to the on-disk spool.
/// </summary>
public sealed class InferenceEventQueue
{
    private static readonly Counter<long> Enqueued = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.events.enqueued", description: "InferenceCompleted events handed to the publisher");
    private static readonly Counter<long> FullWaits = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.events.queue_full", description: "Times a request waited because the event queue was full");

    private readonly Channel<InferenceCompleted> _channel;

    public InferenceEventQueue(IOptions<InferenceProxyOptions> options)
    {
        _channel = Channel.CreateBounded<InferenceCompleted>(new BoundedChannelOptions(options.Value.EventQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        LlmOpsTelemetry.Meter.CreateObservableGauge("llmops.proxy.events.queue_depth", () => _channel.Reader.Count,
            description: "InferenceCompleted events not yet confirmed by the broker");
    }

    public ChannelReader<InferenceCompleted> Reader => _channel.Reader;

    public ValueTask EnqueueAsync(InferenceCompleted inference)
    {
        Enqueued.Add(1);
        if (_channel.Writer.TryWrite(inference))
            return ValueTask.CompletedTask;
        FullWaits.Add(1);
        return _channel.Writer.WriteAsync(inference, CancellationToken.None);
    }

}
