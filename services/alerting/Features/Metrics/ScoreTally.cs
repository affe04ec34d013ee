namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// The usable (status ok) scores of one series and minute, kept so that any rule's failure test can be answered later:
/// how many carried each label (lower-cased), and how many fell on each point of a 0.001 grid (a value v is counted at
/// ⌊1000·v⌋). "Value &lt; below" is then exact for every <c>below</c> with at most three decimals (0.5, 0.85, 0.125);
/// finer thresholds are compared at the grid. Memory is at most one entry per distinct grid point (1,001 for scores in
/// [0, 1]) and never more than the number of scores. Not thread-safe: the store holds its stripe's lock.
/// </summary>
public sealed class ScoreTally
{
    public const double Grid = 1000;

    /// <summary>Labels kept apart per series and minute; more distinct labels than this are counted only in n.</summary>
    public const int MaxLabels = 64;

    public long Count { get; private set; }
    public Dictionary<long, long> Values { get; } = [];
    public Dictionary<string, long> Labels { get; } = new(StringComparer.Ordinal);

    public void Add(double? value, string? label)
    {
        Count++;
        if (value is { } v && double.IsFinite(v))
        {
            var point = (long)Math.Floor(Math.Clamp(v, -1e12, 1e12) * Grid);
            Values[point] = Values.GetValueOrDefault(point) + 1;
        }
        if (!string.IsNullOrEmpty(label))
        {
            var key = label.ToLowerInvariant();
            if (Labels.ContainsKey(key) || Labels.Count < MaxLabels)
                Labels[key] = Labels.GetValueOrDefault(key) + 1;
        }
    }

    public void Merge(long count, IReadOnlyDictionary<long, long> values, IReadOnlyDictionary<string, long> labels)
    {
        Count += count;
        foreach (var (point, n) in values)
            Values[point] = Values.GetValueOrDefault(point) + n;
        foreach (var (label, n) in labels)
            Labels[label] = Labels.GetValueOrDefault(label) + n;
    }

    /// <summary>Scores that fail: value under <paramref name="below"/>, or (else) carrying <paramref name="label"/>, case-insensitively.</summary>
    public long Failures(double? below, string? label)
    {
        if (below is { } threshold)
        {
            // ⌊1000·v⌋ < 1000·below ⇔ v < below when 1000·below is a whole number.
            var limit = threshold * Grid;
            return Values.Where(p => p.Key < limit).Sum(p => p.Value);
        }
        return label is null ? 0 : Labels.GetValueOrDefault(label.ToLowerInvariant());
    }
}
