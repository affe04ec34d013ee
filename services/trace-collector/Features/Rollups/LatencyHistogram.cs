using System.Globalization;
using System.Text;

namespace LlmOps.TraceCollector.Features.Rollups;

/// <summary>
/// A fixed log-spaced latency histogram, so per-minute rollups can be merged into any bucket and still give p50 / p95 / p99.
/// Bucket 0 holds [0, 1) ms; bucket k (1…432) holds [2^((k−1)/16), 2^(k/16)) ms, sixteen per doubling up to 2^27 ms
/// (37 h); bucket 433 holds everything longer. The counts are exact, so nearest rank finds the bucket holding the true
/// percentile; the bucket's geometric middle is reported: within 2.2 % of the true value (0.5 ms under 1 ms; a value
/// past 37 h reads as 37 h). Stored sparse as text, <c>bucket:count</c> pairs separated by commas, which both providers
/// can also build in SQL (the migration's backfill).
/// </summary>
public static class LatencyHistogram
{
    public const int PerDoubling = 16;
    public const int Doublings = 27;
    public const int Last = PerDoubling * Doublings + 1;

    /// <summary>The contribution of a trace that has not finished (or ended before it started): counted, not timed.</summary>
    public const int Untimed = -1;

    /// <summary>Upper bounds (exclusive) of buckets 0…Last−1, in ms.</summary>
    internal static readonly double[] Bounds = [.. Enumerable.Range(0, Last).Select(k => Math.Pow(2, (double)k / PerDoubling))];

    public static int Bucket(double milliseconds)
    {
        if (milliseconds < 0 || double.IsNaN(milliseconds))
            return Untimed;
        var index = Array.BinarySearch(Bounds, milliseconds);
        // An exact bound belongs to the bucket it opens; otherwise the complement is the first bound above the value.
        return index >= 0 ? index + 1 : ~index;
    }

    public static int Bucket(DateTime start, DateTime? end) => end is { } e ? Bucket((e - start).TotalMilliseconds) : Untimed;

    public static double Representative(int bucket) => bucket switch
    {
        <= 0 => 0.5,
        >= Last => Bounds[^1],
        _ => Math.Pow(2, (bucket - 0.5) / PerDoubling),
    };

    /// <summary>Nearest rank over merged counts: the bucket holding the smallest value with at least p % at or below it.</summary>
    public static double? Percentile(SortedDictionary<int, long> counts, double p)
    {
        var total = counts.Values.Sum();
        if (total == 0)
            return null;
        var rank = Math.Clamp((long)Math.Ceiling(p / 100 * total), 1, total);
        long seen = 0;
        foreach (var (bucket, count) in counts)
        {
            seen += count;
            if (seen >= rank)
                return Representative(bucket);
        }
        return Representative(counts.Keys.Last());
    }

    public static void AddTo(SortedDictionary<int, long> counts, string? text)
    {
        if (string.IsNullOrEmpty(text))
            return;
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = pair.IndexOf(':');
            var bucket = int.Parse(pair.AsSpan(0, colon), CultureInfo.InvariantCulture);
            var count = long.Parse(pair.AsSpan(colon + 1), CultureInfo.InvariantCulture);
            counts[bucket] = counts.GetValueOrDefault(bucket) + count;
        }
    }

    public static string Format(SortedDictionary<int, long> counts)
    {
        var text = new StringBuilder();
        foreach (var (bucket, count) in counts)
        {
            if (count <= 0)
                continue;
            if (text.Length > 0)
                text.Append(',');
            text.Append(bucket.ToString(CultureInfo.InvariantCulture)).Append(':').Append(count.ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary>
    /// The same bucketing as <see cref="Bucket(double)"/> as a SQL expression over a millisecond expression: a binary
    /// search written out as nested CASEs (about nine comparisons a row, where a flat ladder would make hundreds).
    /// </summary>
    public static string SqlBucket(string milliseconds) =>
        $"CASE WHEN {milliseconds} < 0 THEN {Untimed} ELSE {Bisect(milliseconds, 0, Last)} END";

    // The smallest bucket b in [lo, hi] whose upper bound is above the value (bucket Last has none).
    private static string Bisect(string milliseconds, int lo, int hi)
    {
        if (lo == hi)
            return lo.ToString(CultureInfo.InvariantCulture);
        var mid = (lo + hi) / 2;
        return $"CASE WHEN {milliseconds} < {Bounds[mid].ToString("R", CultureInfo.InvariantCulture)} THEN {Bisect(milliseconds, lo, mid)} " +
               $"ELSE {Bisect(milliseconds, mid + 1, hi)} END";
    }
}
