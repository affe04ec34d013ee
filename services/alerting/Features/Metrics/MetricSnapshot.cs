using System.Text.Json.Serialization;
using LlmOps.Contracts.Evaluation;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// The metric store's state, to persist and restore across a restart (plain records: a System.Text.Json round trip
/// gives back the same observations). Its size is bounded by the retention and the rollup: per series at most the
/// recent span's minutes, the rolled-up cells up to MinuteRetentionHours, and DayRetentionDays + 1 days, for at most
/// MaxSeries series. Written often (every CheckpointSeconds), so cells are compact: one-letter names, zeros and empty
/// parts left out, histograms and score tallies as delta-coded parallel arrays. The ids remembered for deduplication
/// are not kept: a message redelivered across a restart is counted again.
/// </summary>
public sealed record MetricSnapshot
{
    /// <summary>2: rolled-up cells of any width, compact cells. Version 1 (per-minute objects) is not read.</summary>
    public const int CurrentVersion = 2;

    public int Version { get; init; } = CurrentVersion;
    public DateTimeOffset TakenAt { get; init; }

    /// <summary>Every series referred to below (by index), with the first and last UTC day it had an event (days since 1970-01-01).</summary>
    public IReadOnlyList<SeriesSnapshot> Series { get; init; } = [];

    /// <summary>The score labels referred to by <see cref="CellSnapshot.ScoreLabels"/> (by index).</summary>
    public IReadOnlyList<string> ScoreLabels { get; init; } = [];

    public IReadOnlyList<CellSpanSnapshot> Cells { get; init; } = [];
    public IReadOnlyList<DaySnapshot> Days { get; init; } = [];
    public IReadOnlyList<EvaluatorProgressReported> EvaluatorReports { get; init; } = [];
    public IReadOnlyList<QueueDepthSnapshot> Queues { get; init; } = [];
}

/// <summary>A series' label values in <see cref="SeriesKey.Names"/> order.</summary>
public sealed record SeriesSnapshot(
    [property: JsonPropertyName("l")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("f")] int FirstDay,
    [property: JsonPropertyName("d")] int LastDay);

/// <summary>The cells of one span of time: from minute <see cref="Start"/> (since 1970-01-01 UTC), <see cref="Width"/> minutes long.</summary>
public sealed record CellSpanSnapshot
{
    [JsonPropertyName("s")] public long Start { get; init; }
    [JsonPropertyName("w")] public int Width { get; init; } = 1;
    [JsonPropertyName("c")] public IReadOnlyList<CellSnapshot> Cells { get; init; } = [];
}

/// <summary>
/// One series' cell. Keys of the sparse parts are delta-coded (the first absolute, then each the difference to the one
/// before, so ascending); a missing counts array means every count is 1 (the usual minute).
/// </summary>
public sealed record CellSnapshot
{
    [JsonPropertyName("i")] public int Series { get; init; }
    [JsonPropertyName("c"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public double Cost { get; init; }
    [JsonPropertyName("p"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long PricedCalls { get; init; }
    [JsonPropertyName("u"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long UnpricedCalls { get; init; }
    [JsonPropertyName("b"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long BudgetEvents { get; init; }
    [JsonPropertyName("f"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Finished { get; init; }
    [JsonPropertyName("x"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Failed { get; init; }
    [JsonPropertyName("l"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long CacheLookups { get; init; }
    [JsonPropertyName("h"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long CacheHits { get; init; }

    /// <summary>Latency bucket indexes (<see cref="LatencyHistogram"/>), delta-coded.</summary>
    [JsonPropertyName("lb"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<long>? LatencyBuckets { get; init; }

    [JsonPropertyName("lc"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<long>? LatencyCounts { get; init; }

    [JsonPropertyName("n"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long ScoreCount { get; init; }

    /// <summary>Score grid points (⌊1000·value⌋), delta-coded.</summary>
    [JsonPropertyName("sp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<long>? ScorePoints { get; init; }

    [JsonPropertyName("sc"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<long>? ScorePointCounts { get; init; }

    /// <summary>Indexes into <see cref="MetricSnapshot.ScoreLabels"/>, not delta-coded.</summary>
    [JsonPropertyName("sl"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<int>? ScoreLabels { get; init; }

    [JsonPropertyName("sn"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<long>? ScoreLabelCounts { get; init; }
}

public sealed record DaySnapshot(
    [property: JsonPropertyName("d")] int Day,
    [property: JsonPropertyName("c")] IReadOnlyList<DayCellSnapshot> Cells);

public sealed record DayCellSnapshot(
    [property: JsonPropertyName("i")] int Series,
    [property: JsonPropertyName("c")] double Cost,
    [property: JsonPropertyName("p")] long PricedCalls,
    [property: JsonPropertyName("u")] long UnpricedCalls,
    [property: JsonPropertyName("b")] long BudgetEvents,
    [property: JsonPropertyName("q")] double QueueDepthMax);

public sealed record QueueDepthSnapshot(string Queue, long Messages, DateTimeOffset At);
