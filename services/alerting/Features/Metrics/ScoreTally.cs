using System.Collections.Concurrent;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// The usable (status ok) scores of one series and cell, kept so that any rule's failure test can be answered later:
/// how many carried each label (lower-cased), and how many fell on each point of a 0.001 grid (a value v is counted at
/// ⌊1000·v⌋). "Value &lt; below" is then exact for every <c>below</c> with at most three decimals (0.5, 0.85, 0.125);
/// finer thresholds are compared at the grid. Memory is at most one entry (8 bytes) per distinct grid point (1,001 for
/// scores in [0, 1]) and never more than the number of scores, plus one per label. Tallies merge exactly (counts add),
/// so a rolled-up cell answers like the minutes it came from. Not thread-safe: the store holds its stripe's lock.
/// </summary>
public sealed class ScoreTally
{
    public const double Grid = 1000;

    /// <summary>Labels kept apart per series and cell; more distinct labels than this are counted only in n.</summary>
    public const int MaxLabels = 64;

    /// <summary>Label strings shared by every cell (labels are a small vocabulary; each message brings its own copy).</summary>
    private static readonly ConcurrentDictionary<string, string> LabelPool = new(StringComparer.Ordinal);
    private const int LabelPoolCapacity = 10_000;

    private SortedCounts _values;
    private string[]? _labels;
    private long[]? _labelCounts;
    private int _labelCount;

    public long Count { get; private set; }

    /// <summary>Grid point (⌊1000·value⌋) → scores, lowest point first.</summary>
    public IEnumerable<(long Point, long Count)> Values
    {
        get
        {
            for (var i = 0; i < _values.Length; i++)
                yield return (_values.KeyAt(i), _values.CountAt(i));
        }
    }

    /// <summary>Lower-cased label → scores, in the order first seen.</summary>
    public IEnumerable<(string Label, long Count)> Labels
    {
        get
        {
            for (var i = 0; i < _labelCount; i++)
                yield return (_labels![i], _labelCounts![i]);
        }
    }

    public void Add(double? value, string? label)
    {
        Count++;
        if (value is { } v && double.IsFinite(v))
            _values.Add(Point(v), 1);
        if (!string.IsNullOrEmpty(label))
            AddLabel(label.ToLowerInvariant(), 1);
    }

    public static long Point(double value) => (long)Math.Floor(Math.Clamp(value, -1e12, 1e12) * Grid);

    /// <summary>Scores counted in n only (a restored tally's total, which may exceed its points and labels).</summary>
    public void AddCount(long count) => Count += Math.Max(0, count);

    public void AddPoint(long point, long count)
    {
        if (count > 0)
            _values.Add(point, count);
    }

    /// <summary>Adds to a label already lower-cased; a label beyond <see cref="MaxLabels"/> is counted only in n.</summary>
    public void AddLabel(string label, long count)
    {
        if (count <= 0)
            return;
        for (var i = 0; i < _labelCount; i++)
            if (string.Equals(_labels![i], label, StringComparison.Ordinal))
            {
                _labelCounts![i] += count;
                return;
            }
        if (_labelCount == MaxLabels)
            return;
        if (_labels is null || _labelCount == _labels.Length)
        {
            var size = Math.Min(MaxLabels, Math.Max(2, _labelCount * 2));
            Array.Resize(ref _labels, size);
            Array.Resize(ref _labelCounts, size);
        }
        _labels[_labelCount] = Shared(label);
        _labelCounts![_labelCount++] = count;
    }

    private static string Shared(string label) =>
        LabelPool.TryGetValue(label, out var shared) ? shared
        : LabelPool.Count < LabelPoolCapacity ? LabelPool.GetOrAdd(label, label)
        : label;

    public void Merge(ScoreTally other)
    {
        Count += other.Count;
        _values.AddAll(other._values);
        for (var i = 0; i < other._labelCount; i++)
            AddLabel(other._labels![i], other._labelCounts![i]);
    }

    /// <summary>Drops the growth slack once no more scores are expected (a rolled-up cell).</summary>
    public void Trim()
    {
        _values.Trim();
        if (_labels is { } labels && labels.Length > _labelCount)
        {
            Array.Resize(ref _labels, _labelCount);
            Array.Resize(ref _labelCounts, _labelCount);
        }
    }

    /// <summary>Scores that fail: value under <paramref name="below"/>, or (else) carrying <paramref name="label"/>, case-insensitively.</summary>
    public long Failures(double? below, string? label)
    {
        if (below is { } threshold)
        {
            // ⌊1000·v⌋ < 1000·below ⇔ v < below when 1000·below is a whole number.
            var limit = threshold * Grid;
            long failures = 0;
            for (var i = 0; i < _values.Length && _values.KeyAt(i) < limit; i++)
                failures += _values.CountAt(i);
            return failures;
        }
        if (label is null)
            return 0;
        var key = label.ToLowerInvariant();
        for (var i = 0; i < _labelCount; i++)
            if (string.Equals(_labels![i], key, StringComparison.Ordinal))
                return _labelCounts![i];
        return 0;
    }
}
