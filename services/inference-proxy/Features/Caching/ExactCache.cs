using System.Diagnostics.Metrics;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Caching;

/// <summary>
/// Answers kept in memory, per gateway replica, bounded by bytes (least recently used go first) and by each entry's
/// time to live (the project's setting when it was stored).
/// </summary>
public sealed class ExactCache
{
    private static readonly Counter<long> Evictions = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.cache.evictions", description: "Answers dropped from the exact cache to stay within its byte bound");

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private readonly long _maxBytes;
    private readonly TimeProvider _clock;
    private long _bytes;

    public ExactCache(IOptions<InferenceProxyOptions> options, TimeProvider clock)
    {
        _maxBytes = options.Value.Cache.MaxBytes;
        _clock = clock;
        LlmOpsTelemetry.Meter.CreateObservableGauge("llmops.proxy.cache.bytes", () => Bytes, description: "Memory held by the exact cache");
    }

    private sealed record Entry(string Key, CachedCompletion Value, DateTimeOffset ExpiresAt);

    public bool Enabled => _maxBytes > 0;

    public long Bytes
    {
        get
        {
            lock (_gate)
                return _bytes;
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
                return _entries.Count;
        }
    }

    public CachedCompletion? Get(string key)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var node))
                return null;
            if (node.Value.ExpiresAt <= _clock.GetUtcNow())
            {
                Remove(node);
                return null;
            }
            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value.Value;
        }
    }

    public void Set(string key, CachedCompletion value, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero || value.SizeBytes > _maxBytes)
            return;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var existing))
                Remove(existing);
            var node = _recency.AddFirst(new Entry(key, value, _clock.GetUtcNow() + ttl));
            _entries[key] = node;
            _bytes += value.SizeBytes;
            while (_bytes > _maxBytes && _recency.Last is { } oldest)
            {
                Remove(oldest);
                Evictions.Add(1);
            }
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
        _bytes -= node.Value.Value.SizeBytes;
    }
}
