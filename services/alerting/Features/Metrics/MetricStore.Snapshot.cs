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

        var minutes = new List<MinuteSnapshot>();
        foreach (var (minute, cells) in _minutes.OrderBy(m => m.Key))
        {
            var copied = new List<(SeriesKey Key, CellSnapshot Cell)>();
            cells.ForEach(copied, static (key, cell, list) => list.Add((key, Copy(cell))));
            minutes.Add(new MinuteSnapshot(minute, copied.Select(c => c.Cell with { Series = IndexOf(c.Key) }).ToList()));
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
            Minutes = minutes,
            Days = days,
            EvaluatorReports = [.. _evaluators.Values],
            Queues = [.. _queues.Select(q => new QueueDepthSnapshot(q.Key, q.Value.Messages, q.Value.At))],
        };
    }

    private static CellSnapshot Copy(SeriesCell cell) => new()
    {
        Cost = cell.Cost,
        PricedCalls = cell.PricedCalls,
        UnpricedCalls = cell.UnpricedCalls,
        BudgetEvents = cell.BudgetEvents,
        Finished = cell.Finished,
        Failed = cell.Failed,
        CacheLookups = cell.CacheLookups,
        CacheHits = cell.CacheHits,
        Latency = cell.Latency is { } latency ? new Dictionary<int, long>(latency.Buckets) : null,
        ScoreCount = cell.Scores?.Count ?? 0,
        ScoreValues = cell.Scores is { } scores ? new Dictionary<long, long>(scores.Values) : null,
        ScoreLabels = cell.Scores is { } s ? new Dictionary<string, long>(s.Labels) : null,
    };

    /// <summary>
    /// Adds a snapshot's counts to the store (meant for an empty store at start-up, before the consumers run); what is
    /// past retention by now is skipped. Series beyond MaxSeries are skipped like new ones would be.
    /// </summary>
    public void Restore(MetricSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var nowMinute = Minute(_clock.GetUtcNow());
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

        foreach (var minute in snapshot.Minutes.Where(m => m.Minute > nowMinute - _minuteRetention))
        {
            var cells = _minutes.GetOrAdd(minute.Minute, _ => new StripedCells<SeriesCell>());
            foreach (var saved in minute.Cells)
                if (KeyOf(saved.Series) is { } key)
                    cells.Update(key, saved, static (cell, s) =>
                    {
                        cell.Cost += s.Cost;
                        cell.PricedCalls += s.PricedCalls;
                        cell.UnpricedCalls += s.UnpricedCalls;
                        cell.BudgetEvents += s.BudgetEvents;
                        cell.Finished += s.Finished;
                        cell.Failed += s.Failed;
                        cell.CacheLookups += s.CacheLookups;
                        cell.CacheHits += s.CacheHits;
                        if (s.Latency is { Count: > 0 })
                            foreach (var (bucket, count) in s.Latency)
                                (cell.Latency ??= new LatencyHistogram()).Add(bucket, count);
                        if (s.ScoreCount > 0)
                            (cell.Scores ??= new ScoreTally()).Merge(s.ScoreCount, s.ScoreValues ?? new Dictionary<long, long>(),
                                s.ScoreLabels ?? new Dictionary<string, long>());
                    });
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
}
