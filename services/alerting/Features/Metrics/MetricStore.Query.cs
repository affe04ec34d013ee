using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// Answering a rule. A window covers the cells that start within [now − window, now] — so an event is counted iff its
/// cell starts at or after now − window; within the recent span cells are minutes, so at most the oldest partial minute
/// of an unaligned window is left out; beyond it at most one rolled-up cell (15 minutes, an hour), and nothing older
/// is ever in. Cost: O(cells in the window × series in those cells), each series resolved to its group once per
/// observation (a dictionary lookup per cell after that); baseline_ratio reads the daily totals instead: O(days × series).
/// </summary>
public sealed partial class MetricStore
{
    /// <summary>One observation per distinct combination of the rule's <c>by</c> labels with data in its window, its condition applied.</summary>
    public IReadOnlyList<SeriesObservation> Observe(AlertRule rule, DateTimeOffset now)
    {
        Prune(Minute(now));
        var query = new GroupQuery(rule.Metric);
        var observations = rule.Metric.Kind switch
        {
            MetricKind.EvaluatorLag => ObserveLag(rule, query, now),
            _ when rule.Condition is BaselineRatioCondition baseline => ObserveBaseline(rule, baseline, query, now),
            MetricKind.ErrorQueueDepth => ObserveQueues(rule, query, now),
            _ when rule.Condition is BurnRateCondition burn => ObserveBurn(rule, burn, query, now),
            _ => Aggregate(query, rule.Metric, rule.Metric.Window, now)
                .Select(g => new SeriesObservation(query.Labels(g.Key), Apply(rule, g.Value)))
                .ToList(),
        };
        return observations.OrderBy(o => string.Join('\u001f', o.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Value)), StringComparer.Ordinal).ToList();
    }

    private static ConditionResult Apply(AlertRule rule, Totals totals)
    {
        var metric = rule.Metric;
        return rule.Condition switch
        {
            ThresholdCondition threshold => Conditions.Threshold(threshold, totals.Value(metric)),
            WilsonCondition wilson => Conditions.Wilson(wilson, Clamp(totals.Failures(metric)), Clamp(totals.Samples(metric))),
            _ => throw new NotSupportedException($"{rule.Condition.GetType().Name} does not apply to {metric.Kind} (rule {rule.Name})."),
        };

        static int Clamp(long count) => (int)Math.Min(count, int.MaxValue);
    }

    /// <summary>
    /// Totals per group over the cells that start within a window (cut to the retention). A rolled-up cell counts whole
    /// when its first minute is in the window and not at all otherwise, so nothing older than the window is ever in,
    /// and at most one cell's width at the window's oldest edge is left out (docs/alerting-rules.md, "Rollup").
    /// </summary>
    private Dictionary<string, Totals> Aggregate(GroupQuery query, MetricQuery metric, TimeSpan window, DateTimeOffset now)
    {
        var groups = new Dictionary<string, Totals>(StringComparer.Ordinal);
        var last = Minute(now);
        var first = Math.Max(FirstMinuteOf(now, window), last - _minuteRetention + 1);
        var state = (query, metric, groups);
        foreach (var (_, _, cells) in CellsStartingIn(first, last))
            cells.ForEach(state, static (key, cell, s) =>
            {
                if (s.query.GroupOf(key) is not { } group || !Totals.Present(cell, s.metric))
                    return;
                if (!s.groups.TryGetValue(group, out var totals))
                    s.groups[group] = totals = new Totals();
                totals.Add(cell, s.metric);
            });
        return groups;
    }

    /// <summary>The first minute whose start is at or after now − window.</summary>
    private static long FirstMinuteOf(DateTimeOffset now, TimeSpan window)
    {
        var startMs = (now - window).ToUnixTimeMilliseconds();
        return (long)Math.Ceiling(startMs / 60_000d);
    }

    private List<SeriesObservation> ObserveBurn(AlertRule rule, BurnRateCondition burn, GroupQuery query, DateTimeOffset now)
    {
        var byWindow = burn.Windows.SelectMany(w => new[] { w.Long, w.Short }).Distinct()
            .ToDictionary(w => w, w => Aggregate(query, rule.Metric, w, now));
        var groups = byWindow.Values.SelectMany(g => g.Keys).Distinct(StringComparer.Ordinal);
        return groups.Select(group => new SeriesObservation(query.Labels(group), Conditions.BurnRate(burn, window =>
            byWindow[window].TryGetValue(group, out var totals) ? totals.Ratio(rule.Metric) : double.NaN))).ToList();
    }

    /// <summary>
    /// Today (UTC, midnight to now) against the last BaselineDays complete days. A group's baseline starts at the first
    /// day any of its series had an event: later days without traffic are 0, earlier days are not there.
    /// </summary>
    private List<SeriesObservation> ObserveBaseline(AlertRule rule, BaselineRatioCondition baseline, GroupQuery query, DateTimeOffset now)
    {
        var today = Day(Minute(now));
        var oldest = today - Math.Min(baseline.BaselineDays, _dayRetention);
        var totals = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var known = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var day = oldest; day <= today; day++)
        {
            if (!_days.TryGetValue(day, out var cells))
                continue;
            var state = (query, metric: rule.Metric, totals, known, day, index: day - oldest, length: today - oldest + 1, store: this);
            cells.ForEach(state, static (key, cell, s) =>
            {
                if (s.query.GroupOf(key) is not { } group || !DayPresent(cell, s.metric.Kind))
                    return;
                if (!s.totals.TryGetValue(group, out var days))
                    s.totals[group] = days = new double[s.length];
                days[s.index] += DayValue(cell, s.metric.Kind);
                var first = s.store._series.TryGetValue(key, out var info) ? info.FirstDay : s.day;
                s.known[group] = Math.Min(s.known.GetValueOrDefault(group, int.MaxValue), first);
            });
        }
        return totals.Select(g =>
        {
            var firstKnown = Math.Max(known[g.Key], oldest);
            var previous = g.Value.Take(g.Value.Length - 1).Skip(firstKnown - oldest).ToList();
            return new SeriesObservation(query.Labels(g.Key), Conditions.BaselineRatio(baseline, g.Value[^1], previous));
        }).ToList();
    }

    private static bool DayPresent(DayCell cell, MetricKind kind) => kind switch
    {
        MetricKind.Cost => cell.PricedCalls > 0,
        MetricKind.UnpricedModel => cell.UnpricedCalls > 0,
        MetricKind.BudgetEvent => cell.BudgetEvents > 0,
        MetricKind.ErrorQueueDepth => true,
        _ => false,
    };

    private static double DayValue(DayCell cell, MetricKind kind) => kind switch
    {
        MetricKind.Cost => cell.Cost,
        MetricKind.UnpricedModel => cell.UnpricedCalls,
        MetricKind.BudgetEvent => cell.BudgetEvents,
        MetricKind.ErrorQueueDepth => cell.QueueDepthMax,
        _ => 0,
    };

    /// <summary>The latest depth of each error queue polled within the window, summed per group.</summary>
    private List<SeriesObservation> ObserveQueues(AlertRule rule, GroupQuery query, DateTimeOffset now)
    {
        var groups = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var depth in _queues.Values)
            if (depth.At >= now - rule.Metric.Window && depth.At <= now + FutureTolerance && query.GroupOf(depth.Key) is { } group)
                groups[group] = groups.GetValueOrDefault(group) + depth.Messages;
        return groups.Select(g => new SeriesObservation(query.Labels(g.Key), Apply(rule, Totals.Gauge(g.Value)))).ToList();
    }

    /// <summary>
    /// The worst lane's lag. Per lane, the replicas reporting within two of their periods count as they report; when none
    /// does, the freshest silent one counts as its last lag plus the time since, so a dead evaluator's lag keeps growing.
    /// No report ever: no observation (nothing to alert on). The lag carries no labels: every <c>by</c> label is "".
    /// </summary>
    private List<SeriesObservation> ObserveLag(AlertRule rule, GroupQuery query, DateTimeOffset now)
    {
        if (_evaluators.IsEmpty || query.GroupOf(EvaluatorSeries) is not { } group)
            return [];
        var lag = double.NaN;
        foreach (var lane in _evaluators.GroupBy(e => e.Key.Lane))
        {
            var reports = lane.Select(e => e.Value).ToList();
            var fresh = reports.Where(r => !IsStale(r, now)).ToList();
            var laneLag = fresh.Count > 0
                ? fresh.Max(r => r.LagSeconds)
                : reports.Max(r => r.LagSeconds + Math.Max(0, (now - r.ReportedAt).TotalSeconds));
            lag = double.IsNaN(lag) ? laneLag : Math.Max(lag, laneLag);
        }
        return [new SeriesObservation(query.Labels(group), Apply(rule, Totals.Gauge(lag)))];
    }

    private static readonly SeriesKey EvaluatorSeries = new();

    /// <summary>Reports come every IntervalSeconds (15 s when a reporter did not say): two missed in a row is silence.</summary>
    private static bool IsStale(Contracts.Evaluation.EvaluatorProgressReported report, DateTimeOffset now) =>
        now - report.ReportedAt > TimeSpan.FromSeconds(2 * (report.IntervalSeconds > 0 ? report.IntervalSeconds : 15));
}
