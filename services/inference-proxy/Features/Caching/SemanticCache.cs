using System.Diagnostics.Metrics;
using System.Numerics.Tensors;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Caching;

/// <summary>
/// Answers kept per gateway replica by the meaning of the question that produced them, inside partitions (a project's
/// request with everything but its last user message identical). A lookup compares the question's unit vector with
/// every live entry of its partition (a dot product, SIMD through System.Numerics.Tensors) and takes the most similar at
/// or above the threshold. Bounded by entry count, oldest first, and by each entry's time to live.
/// </summary>
public sealed class SemanticCache
{
    private static readonly Counter<long> Evictions = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.semantic_cache.evictions", description: "Questions dropped from the semantic cache to stay within its bound");

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Entry>> _partitions = new(StringComparer.Ordinal);
    private Queue<(string Partition, Entry Entry)> _age = new();
    private readonly int _maxEntries;
    private readonly TimeProvider _clock;
    private int _count;

    public SemanticCache(IOptions<InferenceProxyOptions> options, TimeProvider clock)
    {
        _maxEntries = options.Value.Cache.SemanticMaxEntries;
        _clock = clock;
        LlmOpsTelemetry.Meter.CreateObservableGauge("llmops.proxy.semantic_cache.entries", () => Count, description: "Questions held by the semantic cache");
    }

    private sealed class Entry(float[] vector, CachedCompletion answer, DateTimeOffset expiresAt)
    {
        public float[] Vector { get; } = vector;
        public CachedCompletion Answer { get; } = answer;
        public DateTimeOffset ExpiresAt { get; } = expiresAt;
        public bool Removed { get; set; }
    }

    public bool Enabled => _maxEntries > 0;

    public int Count
    {
        get
        {
            lock (_gate)
                return _count;
        }
    }

    /// <summary>The most similar live answer in the partition at or above <paramref name="threshold"/>, with its similarity.</summary>
    public (CachedCompletion Answer, float Similarity)? Find(string partition, float[] vector, double threshold)
    {
        lock (_gate)
        {
            if (!_partitions.TryGetValue(partition, out var entries))
                return null;
            var now = _clock.GetUtcNow();
            Entry? best = null;
            var bestSimilarity = float.MinValue;
            for (var i = entries.Count - 1; i >= 0; i--)
            {
                var entry = entries[i];
                if (entry.ExpiresAt <= now)
                {
                    RemoveAt(entries, i);
                    continue;
                }
                var similarity = TensorPrimitives.Dot(entry.Vector, vector);
                if (similarity > bestSimilarity)
                {
                    bestSimilarity = similarity;
                    best = entry;
                }
            }
            if (entries.Count == 0)
                _partitions.Remove(partition);
            return best is not null && bestSimilarity >= threshold ? (best.Answer, bestSimilarity) : null;
        }
    }

    public void Add(string partition, float[] vector, CachedCompletion answer, TimeSpan ttl)
    {
        if (!Enabled || ttl <= TimeSpan.Zero)
            return;
        lock (_gate)
        {
            if (!_partitions.TryGetValue(partition, out var entries))
                _partitions[partition] = entries = [];
            // The same question asked again replaces its answer instead of piling up.
            for (var i = entries.Count - 1; i >= 0; i--)
            {
                if (TensorPrimitives.Dot(entries[i].Vector, vector) >= 0.9999f)
                    RemoveAt(entries, i);
            }
            var entry = new Entry(vector, answer, _clock.GetUtcNow() + ttl);
            entries.Add(entry);
            _age.Enqueue((partition, entry));
            _count++;
            if (_age.Count > 2 * _maxEntries + 1024)
                _age = new Queue<(string, Entry)>(_age.Where(e => !e.Entry.Removed));
            while (_count > _maxEntries && _age.TryDequeue(out var oldest))
            {
                if (oldest.Entry.Removed || !_partitions.TryGetValue(oldest.Partition, out var list))
                    continue;
                var index = list.IndexOf(oldest.Entry);
                if (index < 0)
                    continue;
                RemoveAt(list, index);
                if (list.Count == 0)
                    _partitions.Remove(oldest.Partition);
                Evictions.Add(1);
            }
        }
    }

    private void RemoveAt(List<Entry> entries, int index)
    {
        entries[index].Removed = true;
        entries.RemoveAt(index);
        _count--;
    }
}
