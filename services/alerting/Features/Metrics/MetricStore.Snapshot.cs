namespace LlmOps.Alerting.Features.Metrics;

public sealed partial class MetricStore
{
    /// <summary>A consistent-enough copy: each stripe is copied under its lock, events recorded meanwhile may or may not be in it.</summary>
    public MetricSnapshot Snapshot()
    {
        var index = new Dictionary<SeriesKey, int>(ReferenceEqualityComparer.Instance);
        var series = new List<SeriesSnapshot>();
        int IndexOf(SeriesKey key)
        {
            if (index.TryGetValue(key, out var i))
                return i;
            var info = _series.TryGetValue(key, out var known) ? known : null;
            var day = Day(Minute(_clock.GetUtcNow()));
            series.Add(new SeriesSnapshot([.. key.Values], info?.FirstDay ?? day, info?.LastDay ?? day));
            return index[key] = series.Count - 1;
        }

        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        var spans = new List<CellSpanSnapshot>();
        foreach (var (start, width, cells) in CellsStartingIn(long.MinValue, long.MaxValue))
        {
            var copied = new List<CellSnapshot>();
            cells.ForEach((copied, labels, (Func<SeriesKey, int>)IndexOf), static (key, cell, s) => s.copied.Add(Copy(cell, s.Item3(key), s.labels)));
            if (copied.Count > 0)
                spans.Add(new CellSpanSnapshot { Start = start, Width = width, Cells = copied });
        }
        var days = new List<DaySnapshot>();
        foreach (var (day, cells) in _days.OrderBy(d => d.Key))
        {
            var copied = new List<(SeriesKey Key, DayCellSnapshot Cell)>();
            cells.ForEach(copied, static (key, c, list) => list.Add((key, new DayCellSnapshot(0, c.Cost, c.PricedCalls, c.UnpricedCalls, c.BudgetEvents, c.QueueDepthMax))));
            days.Add(new DaySnapshot(day, copied.Select(c => c.Cell with { Series = IndexOf(c.Key) }).ToList()));
        }
        return new MetricSnapshot
        {
            TakenAt = _clock.GetUtcNow(),
            Series = series,
            ScoreLabels = [.. labels.OrderBy(l => l.Value).Select(l => l.Key)],
            Cells = spans,
            Days = days,
            EvaluatorReports = [.. _evaluators.Values],
            Queues = [.. _queues.Select(q => new QueueDepthSnapshot(q.Key, q.Value.Messages, q.Value.At))],
        };
    }

    private static CellSnapshot Copy(SeriesCell cell, int series, Dictionary<string, int> labels)
    {
        var (latencyBuckets, latencyCounts) = cell.Latency is { Count: > 0 } latency
            ? Sparse(latency.Buckets.Select(b => ((long)b.Index, b.Count)))
            : (null, null);
        var (points, pointCounts) = cell.Scores is { } scores ? Sparse(scores.Values) : (null, null);
        List<int>? labelIndexes = null;
        List<long>? labelCounts = null;
        if (cell.Scores is { } tally)
            foreach (var (label, count) in tally.Labels)
            {
                if (!labels.TryGetValue(label, out var i))
                    labels[label] = i = labels.Count;
                (labelIndexes ??= []).Add(i);
                (labelCounts ??= []).Add(count);
            }
        return new CellSnapshot
        {
            Series = series,
            Cost = cell.Cost,
            PricedCalls = cell.PricedCalls,
            UnpricedCalls = cell.UnpricedCalls,
            BudgetEvents = cell.BudgetEvents,
            Finished = cell.Finished,
            Failed = cell.Failed,
            CacheLookups = cell.CacheLookups,
            CacheHits = cell.CacheHits,
            LatencyBuckets = latencyBuckets,
            LatencyCounts = latencyCounts,
            ScoreCount = cell.Scores?.Count ?? 0,
            ScorePoints = points,
            ScorePointCounts = pointCounts,
            ScoreLabels = labelIndexes,
            ScoreLabelCounts = labelCounts is not null && labelCounts.Any(c => c != 1) ? labelCounts : null,
        };
    }

    /// <summary>Ascending keys delta-coded, and their counts (null when every count is 1).</summary>
    private static (List<long>? Keys, List<long>? Counts) Sparse(IEnumerable<(long Key, long Count)> entries)
    {
        List<long>? keys = null, counts = null;
        var previous = 0L;
        var ones = true;
        foreach (var (key, count) in entries)
        {
            (keys ??= []).Add(keys.Count == 0 ? key : key - previous);
            (counts ??= []).Add(count);
            ones &= count == 1;
            previous = key;
        }
        return (keys, ones ? null : counts);
    }

    /// <summary>The entries of delta-coded keys and their counts (every count 1 when there are none).</summary>
    private static IEnumerable<(long Key, long Count)> Dense(IReadOnlyList<long>? keys, IReadOnlyList<long>? counts)
    {
        if (keys is null)
            yield break;
        var key = 0L;
        for (var i = 0; i < keys.Count; i++)
        {
            key = i == 0 ? keys[0] : key + keys[i];
            yield return (key, counts is null ? 1 : i < counts.Count ? counts[i] : 0);
        }
    }

    /// <summary>
    /// Adds a snapshot's counts to the store (meant for an empty store at start-up, before the consumers run); what is
    /// past retention by now is skipped, and cells are rolled up to the tier their time belongs to by now. Series
    /// beyond MaxSeries are skipped like new ones would be. Only <see cref="MetricSnapshot.CurrentVersion"/> is read.
    /// </summary>
    public void Restore(MetricSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Version != MetricSnapshot.CurrentVersion)
            throw new NotSupportedException($"A metric snapshot of version {snapshot.Version}; this build reads version {MetricSnapshot.CurrentVersion}.");
        var nowMinute = Minute(_clock.GetUtcNow());
        Prune(nowMinute);
        var keys = snapshot.Series.Select(s =>
        {
            if (s.Labels.Count != SeriesKey.Names.Count)
                return null;
            var key = Intern(SeriesKey.FromValues([.. s.Labels]), s.FirstDay);
            if (key is not null && _series.TryGetValue(key, out var info))
                info.Restore(s.FirstDay, s.LastDay);
            return key;
        }).ToList();
        SeriesKey? KeyOf(int i) => i >= 0 && i < keys.Count ? keys[i] : null;

        foreach (var span in snapshot.Cells)
        {
            // The finest tier at least as wide as the span: a cell is never split, at worst coarsened.
            var tier = Array.FindIndex(_tiers, t => t.Width >= span.Width);
            if (tier < 0)
                tier = _tiers.Length - 1;
            foreach (var saved in span.Cells)
                if (KeyOf(saved.Series) is { } key)
                    Put(key, span.Start, nowMinute, tier, (saved, snapshot.ScoreLabels), static (cell, s) => Add(cell, s.saved, s.ScoreLabels));
        }
        foreach (var day in snapshot.Days.Where(d => d.Day >= Day(nowMinute) - _dayRetention))
        {
            var cells = _days.GetOrAdd(day.Day, _ => new StripedCells<DayCell>());
            foreach (var saved in day.Cells)
                if (KeyOf(saved.Series) is { } key)
                    cells.Update(key, saved, static (cell, s) =>
                    {
                        cell.Cost += s.Cost;
                        cell.PricedCalls += s.PricedCalls;
                        cell.UnpricedCalls += s.UnpricedCalls;
                        cell.BudgetEvents += s.BudgetEvents;
                        cell.QueueDepthMax = Math.Max(cell.QueueDepthMax, s.QueueDepthMax);
                    });
        }
        foreach (var report in snapshot.EvaluatorReports)
            Record(report);
        foreach (var queue in snapshot.Queues)
            if (Intern(new SeriesKey(queue: queue.Queue), Day(Minute(queue.At))) is { } key)
                _queues.AddOrUpdate(queue.Queue, new QueueDepth(key, queue.Messages, queue.At),
                    (_, held) => held.At >= queue.At ? held : new QueueDepth(key, queue.Messages, queue.At));
    }

    private static void Add(SeriesCell cell, CellSnapshot s, IReadOnlyList<string> scoreLabels)
    {
        cell.Cost += s.Cost;
        cell.PricedCalls += s.PricedCalls;
        cell.UnpricedCalls += s.UnpricedCalls;
        cell.BudgetEvents += s.BudgetEvents;
        cell.Finished += s.Finished;
        cell.Failed += s.Failed;
        cell.CacheLookups += s.CacheLookups;
        cell.CacheHits += s.CacheHits;
        foreach (var (bucket, count) in Dense(s.LatencyBuckets, s.LatencyCounts))
            if (count > 0 && bucket is >= int.MinValue and <= int.MaxValue)
                (cell.Latency ??= new LatencyHistogram()).Add((int)bucket, count);
        if (s.ScoreCount <= 0)
            return;
        var tally = cell.Scores ??= new ScoreTally();
        tally.AddCount(s.ScoreCount);
        foreach (var (point, count) in Dense(s.ScorePoints, s.ScorePointCounts))
            tally.AddPoint(point, count);
        if (s.ScoreLabels is { } labels)
            for (var i = 0; i < labels.Count; i++)
                if (labels[i] >= 0 && labels[i] < scoreLabels.Count)
                    tally.AddLabel(scoreLabels[labels[i]], s.ScoreLabelCounts is { } counts ? (i < counts.Count ? counts[i] : 0) : 1);
    }
}
