using System.Diagnostics.Metrics;
using System.Threading.Channels;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// Writes from the HTTP ingestion paths (<c>/api/ingest</c>, <c>/v1/traces</c>) waiting for the
/// <see cref="IngestWriter"/>, which commits many requests' writes in one transaction (group commit). A request is
/// answered only once its writes are committed, so nothing confirmed to a caller is lost; when more items wait than
/// <c>TraceCollector:IngestQueueCapacity</c>, a request is refused at once (503 with Retry-After) instead.
/// </summary>
public sealed class IngestQueue
{
    private static readonly Counter<long> Refused = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.traces.ingest_refused", description: "Ingest requests refused because the write queue was full");

    private readonly Channel<Pending> _channel = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _capacity;
    private long _items;

    public IngestQueue(IOptions<TraceCollectorOptions> options)
    {
        _capacity = options.Value.IngestQueueCapacity;
        LlmOpsTelemetry.Meter.CreateObservableGauge("llmops.traces.ingest_queue_items", () => Interlocked.Read(ref _items),
            description: "Observations, traces and scores accepted over HTTP and not yet committed");
    }

    public sealed record Pending(TraceWriteBatch Batch, TaskCompletionSource Written);

    public ChannelReader<Pending> Reader => _channel.Reader;

    public long Items => Interlocked.Read(ref _items);

    /// <summary>
    /// Queues a batch; the task completes when it is committed (or faults when it could not be). False when the queue
    /// is full: the caller should answer 503 with Retry-After.
    /// </summary>
    public bool TryEnqueue(TraceWriteBatch batch, out Task written)
    {
        var count = Math.Max(1, batch.Count);
        if (Interlocked.Add(ref _items, count) > _capacity && Interlocked.Read(ref _items) != count)
        {
            Interlocked.Add(ref _items, -count);
            Refused.Add(1);
            written = Task.CompletedTask;
            return false;
        }
        var pending = new Pending(batch, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _channel.Writer.TryWrite(pending);
        written = pending.Written.Task;
        return true;
    }

    internal void Release(Pending pending) => Interlocked.Add(ref _items, -Math.Max(1, pending.Batch.Count));
}
