using System.Collections.Concurrent;
using System.Globalization;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Ids;
using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Features.Metrics;

public enum RecordOutcome { Counted, Duplicate, Ignored }

/// <summary>
/// What the alert rules measure: events aggregated into per-minute cells keyed by their finest series (every rule label),
/// rolled up into 15-minute and hour cells as they age (MetricStore.Rollup.cs),
/// daily totals per series for <c>baseline_ratio</c>, the evaluators' last reports and the error queues' last depths.
/// Rules' filters and <c>by</c> labels are applied when a rule is observed (MetricStore.Query.cs), so any rule can split
/// any way without the store knowing the rules. Thread-safe: writers lock one stripe of one minute's cells
/// (<see cref="StripedCells{TCell}"/>) for a few additions, so consumers on several threads rarely meet.
/// Exact semantics: docs/alerting-rules.md, "Metrics".
/// </summary>
public sealed partial class MetricStore : Engine.IMetricSource
{
    private const int MinutesPerDay = 24 * 60;

    /// <summary>Events stamped further than this in the future are counted at the current minute (a skewed clock).</summary>
    private static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _clock;
    private readonly int _minuteRetention;
    private readonly int _dayRetention;
    private readonly int _maxSeries;
    private readonly ConcurrentDictionary<int, StripedCells<DayCell>> _days = new();
    private readonly ConcurrentDictionary<SeriesKey, SeriesInfo> _series = new();
    private readonly RecentIds _costIds, _inferenceIds, _scoreIds, _budgetIds;
    private readonly ConcurrentDictionary<(string Lane, string Instance), EvaluatorProgressReported> _evaluators = new();
    private readonly ConcurrentDictionary<string, QueueDepth> _queues = new(StringComparer.Ordinal);
    private long _prunedAtMinute = long.MinValue;

    public MetricStore(TimeProvider clock, IOptions<MetricsOptions> options)
    {
        _clock = clock;
        var o = options.Value;
        _minuteRetention = o.MinuteRetentionHours * 60;
        _dayRetention = o.DayRetentionDays;
        _maxSeries = o.MaxSeries;
        _tiers = Tiers(o);
        _costIds = new RecentIds(o.DedupCapacity);
        _inferenceIds = new RecentIds(o.DedupCapacity);
        _scoreIds = new RecentIds(o.DedupCapacity);
        _budgetIds = new RecentIds(o.DedupCapacity);
    }

    /// <summary>How long cells are kept (the longest window a rule gets answered, at the rollup's edge precision).</summary>
    public TimeSpan MinuteRetention => TimeSpan.FromMinutes(_minuteRetention);

    public int SeriesCount => _series.Count;

    public RecordOutcome Record(CostRecorded cost)
    {
        if (!_costIds.Add(cost.InferenceId))
            return Count(MetricsTelemetry.Cost, RecordOutcome.Duplicate);
        var key = new SeriesKey(cost.ProjectId, cost.Feature, cost.Model, SeriesKey.Prompt(cost.PromptName, cost.PromptVersion));
        // A priced cost without an amount, or a negative one, is malformed: the call is present, its cost unknown (0).
        var usd = cost.TotalCost is { } total && total > 0 ? (double)total : 0;
        var state = (cost.Priced, usd);
        var outcome = Add(key, cost.OccurredAt, state, static (cell, s) =>
        {
            if (s.Priced) { cell.PricedCalls++; cell.Cost += s.usd; }
            else cell.UnpricedCalls++;
        }, static (day, s) =>
        {
            if (s.Priced) { day.PricedCalls++; day.Cost += s.usd; }
            else day.UnpricedCalls++;
        });
        return Count(MetricsTelemetry.Cost, outcome);
    }

    public RecordOutcome Record(ScoreRecorded score)
    {
        if (!_scoreIds.Add(score.ScoreId))
            return Count(MetricsTelemetry.Score, RecordOutcome.Duplicate);
        // not_applicable and error are not measurements: they neither pass nor fail.
        if (!string.Equals(score.Status, ScoreStatuses.Ok, StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(score.Name))
            return Count(MetricsTelemetry.Score, RecordOutcome.Ignored);
        var key = new SeriesKey(score.ProjectId, score.Feature, score.Model, SeriesKey.Prompt(score.PromptName, score.PromptVersion), score.Name);
        var outcome = Add(key, score.RecordedAt, (score.Value, score.Label), static (cell, s) => (cell.Scores ??= new ScoreTally()).Add(s.Value, s.Label), null);
        return Count(MetricsTelemetry.Score, outcome);
    }

    public RecordOutcome Record(InferenceCompleted inference)
    {
        if (!_inferenceIds.Add(inference.InferenceId))
            return Count(MetricsTelemetry.Inference, RecordOutcome.Duplicate);
        // The evaluator's own judge calls say nothing about what users get; its health is evaluator_lag.
        if (inference.IsEvaluatorTraffic)
            return Count(MetricsTelemetry.Inference, RecordOutcome.Ignored);
        // Only outcomes a provider is answerable for enter error_rate: refusals, rate limits, budgets, guardrail blocks
        // and callers that hung up are the platform or the caller at work, not a failing model.
        var (finished, failed) = inference.Status switch
        {
            InferenceStatuses.Success => (true, false),
            InferenceStatuses.UpstreamError or InferenceStatuses.Timeout => (true, true),
            _ => (false, false),
        };
        var (lookup, hit) = inference.CacheStatus switch
        {
            CacheStatuses.Hit or CacheStatuses.SemanticHit => (true, true),
            CacheStatuses.Miss => (true, false),
            _ => (false, false),
        };
        if (!finished && !lookup)
            return Count(MetricsTelemetry.Inference, RecordOutcome.Ignored);
        var latency = finished && !failed ? inference.LatencyMs : double.NaN;
        var key = new SeriesKey(inference.ProjectId, inference.Feature, inference.RequestedModel,
            SeriesKey.Prompt(inference.PromptName, inference.PromptVersion));
        var outcome = Add(key, inference.CompletedAt, (finished, failed, lookup, hit, latency), static (cell, s) =>
        {
            if (s.finished) { cell.Finished++; if (s.failed) cell.Failed++; }
            if (s.lookup) { cell.CacheLookups++; if (s.hit) cell.CacheHits++; }
            if (double.IsFinite(s.latency) && s.latency >= 0)
                (cell.Latency ??= new LatencyHistogram()).Add(s.latency);
        }, null);
        return Count(MetricsTelemetry.Inference, outcome);
    }

    public RecordOutcome Record(BudgetThresholdCrossed crossed) => RecordBudget(crossed.ProjectId, "threshold_crossed", crossed.CrossedAt,
        StableGuid.From("threshold_crossed", crossed.BudgetId.ToString(), crossed.PeriodStart.ToString("O"),
            crossed.ThresholdPercent.ToString(CultureInfo.InvariantCulture)));

    public RecordOutcome Record(BudgetExhausted exhausted) => RecordBudget(exhausted.ProjectId, "exhausted", exhausted.ExhaustedAt,
        StableGuid.From("exhausted", exhausted.BudgetId.ToString(), exhausted.PeriodStart.ToString("O")));

    private RecordOutcome RecordBudget(string? project, string kind, DateTimeOffset at, Guid id)
    {
        if (!_budgetIds.Add(id))
            return Count(MetricsTelemetry.Budget, RecordOutcome.Duplicate);
        var outcome = Add(new SeriesKey(project, @event: kind), at, 0, static (cell, _) => cell.BudgetEvents++, static (day, _) => day.BudgetEvents++);
        return Count(MetricsTelemetry.Budget, outcome);
    }

    /// <summary>The latest report per lane and replica; an older report than the one held is ignored (out of order).</summary>
    public RecordOutcome Record(EvaluatorProgressReported report)
    {
        if (string.IsNullOrEmpty(report.Lane) || !double.IsFinite(report.LagSeconds))
            return Count(MetricsTelemetry.Evaluator, RecordOutcome.Ignored);
        var stored = _evaluators.AddOrUpdate((report.Lane, report.Instance ?? ""), report,
            (_, held) => held.ReportedAt > report.ReportedAt ? held : report);
        return Count(MetricsTelemetry.Evaluator, ReferenceEquals(stored, report) ? RecordOutcome.Counted : RecordOutcome.Duplicate);
    }

    /// <summary>One poll of the broker's error queues (gauges: the latest value wins; the day keeps its highest).</summary>
    public void RecordQueueDepths(IEnumerable<(string Queue, long Messages)> depths, DateTimeOffset at)
    {
        foreach (var (queue, messages) in depths)
        {
            if (string.IsNullOrEmpty(queue) || messages < 0)
                continue;
            var key = Intern(new SeriesKey(queue: queue), Day(Minute(at)));
            if (key is null)
                continue;
            _queues[queue] = new QueueDepth(key, messages, at);
            var cells = _days.GetOrAdd(Day(Minute(at)), _ => new StripedCells<DayCell>());
            cells.Update(key, (double)messages, static (day, m) => day.QueueDepthMax = Math.Max(day.QueueDepthMax, m));
            Count(MetricsTelemetry.Queue, RecordOutcome.Counted);
        }
    }

    private RecordOutcome Add<TState>(SeriesKey key, DateTimeOffset at, TState state, Action<SeriesCell, TState> minute, Action<DayCell, TState>? day)
    {
        var now = _clock.GetUtcNow();
        if (at > now + FutureTolerance)
            at = now;
        var nowMinute = Minute(now);
        Prune(nowMinute);
        var eventMinute = Minute(at);
        var eventDay = Day(eventMinute);
        var keepMinute = eventMinute > nowMinute - _minuteRetention;
        var keepDay = day is not null && eventDay >= Day(nowMinute) - _dayRetention;
        if (!keepMinute && !keepDay)
            return RecordOutcome.Ignored;
        var interned = Intern(key, eventDay);
        if (interned is null)
            return RecordOutcome.Ignored;
        // Past the retention at its tier's grain (an hour cell starting before it), the event is in the daily totals only.
        if (keepMinute && Put(interned, eventMinute, nowMinute, 0, state, minute) is null && !keepDay)
            return RecordOutcome.Ignored;
        if (keepDay)
            _days.GetOrAdd(eventDay, _ => new StripedCells<DayCell>()).Update(interned, state, day!);
        return RecordOutcome.Counted;
    }

    /// <summary>The one instance of a series (so queries memoise by reference), noting the days it was seen; null past MaxSeries.</summary>
    private SeriesKey? Intern(SeriesKey key, int day)
    {
        if (!_series.TryGetValue(key, out var info))
        {
            if (_series.Count >= _maxSeries)
            {
                MetricsTelemetry.SeriesRefused();
                return null;
            }
            info = _series.GetOrAdd(key, k => new SeriesInfo(k, day));
        }
        info.Saw(day);
        return info.Key;
    }

    /// <summary>
    /// Rolls up cells that left their tier, drops cells and days past retention, and series seen in none of the kept
    /// days; at most once a minute, by the first caller of that minute (a few milliseconds at 3,750 series).
    /// </summary>
    private void Prune(long nowMinute)
    {
        var last = Interlocked.Read(ref _prunedAtMinute);
        if (last >= nowMinute || Interlocked.CompareExchange(ref _prunedAtMinute, nowMinute, last) != last)
            return;
        Roll(nowMinute);
        var oldestDay = Day(nowMinute) - _dayRetention;
        foreach (var day in _days.Keys)
            if (day < oldestDay)
                _days.TryRemove(day, out _);
        var oldestMinuteDay = Day(nowMinute - _minuteRetention);
        foreach (var (key, info) in _series)
            if (info.LastDay < Math.Min(oldestDay, oldestMinuteDay))
                _series.TryRemove(key, out _);
        foreach (var (lane, report) in _evaluators)
            if (report.ReportedAt < _clock.GetUtcNow() - TimeSpan.FromDays(_dayRetention))
                _evaluators.TryRemove(lane, out _);
    }

    private static RecordOutcome Count(string kind, RecordOutcome outcome)
    {
        MetricsTelemetry.Recorded(kind, outcome);
        return outcome;
    }

    internal static long Minute(DateTimeOffset at) => (long)Math.Floor(at.ToUnixTimeMilliseconds() / 60_000d);

    internal static int Day(long minute) => (int)Math.Floor(minute / (double)MinutesPerDay);

    internal static DateTimeOffset MinuteStart(long minute) => DateTimeOffset.FromUnixTimeMilliseconds(minute * 60_000);

    /// <summary>A series' first and last day with any event: a day after its first counts in a baseline even when empty.</summary>
    private sealed class SeriesInfo(SeriesKey key, int day)
    {
        private int _firstDay = day, _lastDay = day;

        public SeriesKey Key { get; } = key;
        public int FirstDay => Volatile.Read(ref _firstDay);
        public int LastDay => Volatile.Read(ref _lastDay);

        public void Saw(int day)
        {
            int seen;
            while (day < (seen = Volatile.Read(ref _firstDay)) && Interlocked.CompareExchange(ref _firstDay, day, seen) != seen) { }
            while (day > (seen = Volatile.Read(ref _lastDay)) && Interlocked.CompareExchange(ref _lastDay, day, seen) != seen) { }
        }

        public void Restore(int first, int last)
        {
            Saw(first);
            Saw(last);
        }
    }

    private sealed record QueueDepth(SeriesKey Key, long Messages, DateTimeOffset At);
}
