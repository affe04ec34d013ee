using LlmOps.Alerting.Features.Metrics;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Inference;
using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Tests.Metrics;

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Events and rules for the metric store tests; every event gets a fresh id unless given one.</summary>
public static class MetricSamples
{
    /// <summary>A minute boundary, so window edges are whole minutes.</summary>
    public static readonly DateTimeOffset Noon = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    public static (MetricStore Store, ManualClock Clock) Store(DateTimeOffset? now = null, MetricsOptions? options = null)
    {
        var clock = new ManualClock(now ?? Noon);
        return (new MetricStore(clock, Options.Create(options ?? new MetricsOptions())), clock);
    }

    public static CostRecorded Cost(DateTimeOffset at, decimal? usd, string project = "acme", string model = "gpt-4o", bool priced = true,
        string? feature = null, Guid? id = null) => new()
        {
            InferenceId = id ?? Guid.NewGuid(),
            ProjectId = project,
            Model = model,
            Feature = feature,
            Priced = priced,
            TotalCost = priced ? usd : null,
            OccurredAt = at,
        };

    public static ScoreRecorded Score(DateTimeOffset at, double? value = null, string? label = null, string name = "hallucination",
        string project = "acme", string status = ScoreStatuses.Ok, Guid? id = null) => new()
        {
            ScoreId = id ?? Guid.NewGuid(),
            ProjectId = project,
            Name = name,
            DataType = value is null ? ScoreDataTypes.Categorical : ScoreDataTypes.Numeric,
            Value = value,
            Label = label,
            Source = ScoreSources.Eval,
            Status = status,
            RecordedAt = at,
        };

    public static InferenceCompleted Inference(DateTimeOffset at, double latencyMs = 100, string status = InferenceStatuses.Success,
        string project = "acme", string model = "gpt-4o", string cache = CacheStatuses.None, bool evaluator = false, Guid? id = null) => new()
        {
            InferenceId = id ?? Guid.NewGuid(),
            ProjectId = project,
            TraceId = new string('a', 32),
            SpanId = new string('b', 16),
            RequestedModel = model,
            StartedAt = double.IsFinite(latencyMs) && latencyMs > 0 ? at - TimeSpan.FromMilliseconds(latencyMs) : at,
            CompletedAt = at,
            LatencyMs = latencyMs,
            Status = status,
            CacheStatus = cache,
            IsEvaluatorTraffic = evaluator,
        };

    public static AlertRule Rule(MetricKind kind, string window, RuleCondition condition, Func<MetricQuery, MetricQuery>? metric = null)
    {
        var query = new MetricQuery { Kind = kind, Window = Duration.Parse(window) };
        return new AlertRule
        {
            Name = "rule",
            Metric = metric is null ? query : metric(query),
            Condition = condition,
            Labels = new Dictionary<string, string> { ["severity"] = "warning" },
            Annotations = new Dictionary<string, string> { ["summary"] = "s" },
        };
    }

    public static ThresholdCondition Above(double value) => new(ComparisonOperator.GreaterThan, value);

    public static IReadOnlyDictionary<string, string> By(params (string Name, string Value)[] labels) =>
        labels.ToDictionary(l => l.Name, l => l.Value);

    public static SeriesObservation Single(IReadOnlyList<SeriesObservation> observations) => Assert.Single(observations);
}
