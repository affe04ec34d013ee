using LlmOps.Contracts.Evaluation;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// The metric store's state, to persist and restore across a restart (plain records: a System.Text.Json round trip
/// gives back the same observations). Its size is bounded by the retention: at most MinuteRetentionHours × 60 minutes
/// and DayRetentionDays + 1 days of cells, each for at most MaxSeries series. The ids remembered for deduplication are
/// not kept: a message redelivered across a restart is counted again.
/// </summary>
public sealed record MetricSnapshot
{
    public int Version { get; init; } = 1;
    public DateTimeOffset TakenAt { get; init; }

    /// <summary>Every series referred to below (by index), with the first and last UTC day it had an event (days since 1970-01-01).</summary>
    public IReadOnlyList<SeriesSnapshot> Series { get; init; } = [];

    public IReadOnlyList<MinuteSnapshot> Minutes { get; init; } = [];
    public IReadOnlyList<DaySnapshot> Days { get; init; } = [];
    public IReadOnlyList<EvaluatorProgressReported> EvaluatorReports { get; init; } = [];
    public IReadOnlyList<QueueDepthSnapshot> Queues { get; init; } = [];
}

/// <summary>A series' label values in <see cref="SeriesKey.Names"/> order.</summary>
public sealed record SeriesSnapshot(IReadOnlyList<string> Labels, int FirstDay, int LastDay);

/// <summary>Minutes since 1970-01-01 UTC.</summary>
public sealed record MinuteSnapshot(long Minute, IReadOnlyList<CellSnapshot> Cells);

public sealed record CellSnapshot
{
    public int Series { get; init; }
    public double Cost { get; init; }
    public long PricedCalls { get; init; }
    public long UnpricedCalls { get; init; }
    public long BudgetEvents { get; init; }
    public long Finished { get; init; }
    public long Failed { get; init; }
    public long CacheLookups { get; init; }
    public long CacheHits { get; init; }

    /// <summary>Latency bucket index → count (<see cref="LatencyHistogram"/>).</summary>
    public IReadOnlyDictionary<int, long>? Latency { get; init; }

    public long ScoreCount { get; init; }

    /// <summary>Score grid point (⌊1000·value⌋) → count.</summary>
    public IReadOnlyDictionary<long, long>? ScoreValues { get; init; }

    public IReadOnlyDictionary<string, long>? ScoreLabels { get; init; }
}

public sealed record DaySnapshot(int Day, IReadOnlyList<DayCellSnapshot> Cells);

public sealed record DayCellSnapshot(int Series, double Cost, long PricedCalls, long UnpricedCalls, long BudgetEvents, double QueueDepthMax);

public sealed record QueueDepthSnapshot(string Queue, long Messages, DateTimeOffset At);
