namespace LlmOps.Alerting.Features.Rules;

/// <summary>A parsed, validated rules file. Rule names are unique across all groups.</summary>
public sealed record RulesFile(IReadOnlyList<RuleGroup> Groups)
{
    public IEnumerable<AlertRule> Rules => Groups.SelectMany(g => g.Rules);
}

/// <summary>Rules evaluated together every <see cref="Interval"/>.</summary>
public sealed record RuleGroup(string Name, TimeSpan Interval, IReadOnlyList<AlertRule> Rules);

public sealed record AlertRule
{
    public required string Name { get; init; }
    public required MetricQuery Metric { get; init; }
    public required RuleCondition Condition { get; init; }

    /// <summary>How long the condition must hold before the alert fires (pending until then). Zero fires at once.</summary>
    public TimeSpan For { get; init; }

    /// <summary>How long a firing alert keeps firing after its condition stops holding (damps flapping).</summary>
    public TimeSpan KeepFiringFor { get; init; }

    /// <summary>Static labels added to every alert of the rule; always holds <c>severity</c>.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>Templates (<c>summary</c> always, <c>runbook_url</c> and others optional); see <see cref="AnnotationTemplate"/>.</summary>
    public required IReadOnlyDictionary<string, string> Annotations { get; init; }

    public string Severity => Labels["severity"];
}

public enum MetricKind
{
    /// <summary>Sum of priced cost (USD) over the window.</summary>
    Cost,
    /// <summary>Share of scores named <see cref="MetricQuery.Score"/> under <see cref="MetricQuery.Below"/> or carrying <see cref="MetricQuery.ScoreLabel"/>.</summary>
    ScoreRate,
    /// <summary>A latency percentile (milliseconds) of InferenceCompleted over the window.</summary>
    LatencyPercentile,
    /// <summary>Share of failed inferences.</summary>
    ErrorRate,
    /// <summary>Share of inferences served from the cache.</summary>
    CacheHitRate,
    /// <summary>Count of budget events (threshold crossed, exhausted).</summary>
    BudgetEvent,
    /// <summary>Count of inferences whose model had no price.</summary>
    UnpricedModel,
    /// <summary>Seconds between the newest finished trace and the newest one the evaluator has scored.</summary>
    EvaluatorLag,
    /// <summary>Messages waiting in <c>*_error</c> queues.</summary>
    ErrorQueueDepth,
}

/// <summary>
/// What to measure: a metric over a trailing window, restricted by <see cref="Filters"/> (label = value) and split into
/// one series per distinct combination of the <see cref="By"/> labels (each series is its own alert).
/// </summary>
public sealed record MetricQuery
{
    public required MetricKind Kind { get; init; }
    public required TimeSpan Window { get; init; }
    public IReadOnlyDictionary<string, string> Filters { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> By { get; init; } = [];

    /// <summary><see cref="MetricKind.ScoreRate"/>: the score's name (e.g. <c>hallucination</c>).</summary>
    public string? Score { get; init; }

    /// <summary><see cref="MetricKind.ScoreRate"/>: a score counts as a failure when its value is under this.</summary>
    public double? Below { get; init; }

    /// <summary><see cref="MetricKind.ScoreRate"/>: a score counts as a failure when it carries this label.</summary>
    public string? ScoreLabel { get; init; }

    /// <summary><see cref="MetricKind.LatencyPercentile"/>: 0 &lt; p &lt; 100 (95 for <c>latency_p95</c>).</summary>
    public double? Percentile { get; init; }

    public bool IsRate => Kind is MetricKind.ScoreRate or MetricKind.ErrorRate or MetricKind.CacheHitRate;
}

public enum ComparisonOperator { GreaterThan, GreaterOrEqual, LessThan, LessOrEqual, Equal, NotEqual }

/// <summary>When a rule's series is alerting. Evaluated by <see cref="Conditions"/> over numbers the caller supplies.</summary>
public abstract record RuleCondition;

/// <summary>The metric's value compared with a constant.</summary>
public sealed record ThresholdCondition(ComparisonOperator Operator, double Value) : RuleCondition;

/// <summary>
/// Today's total &gt; <see cref="Factor"/> × the mean of the trailing <see cref="BaselineDays"/> daily totals, today's total
/// ≥ <see cref="Floor"/>, and at least <see cref="MinBaselineDays"/> baseline days known.
/// </summary>
public sealed record BaselineRatioCondition(double Factor, int BaselineDays, int MinBaselineDays, double Floor) : RuleCondition;

/// <summary>
/// The one-sided Wilson lower bound of failures ÷ n at <see cref="Confidence"/> &gt; <see cref="Threshold"/>, with
/// n ≥ <see cref="MinSamples"/>: a rate alert that needs evidence, not a few unlucky samples.
/// </summary>
public sealed record WilsonCondition(double Threshold, int MinSamples, double Confidence) : RuleCondition;

/// <summary>
/// Multi-window SLO burn rate (Google SRE workbook): alerting when, for any pair, the error budget burns faster than
/// its factor over both the long and the short window.
/// </summary>
public sealed record BurnRateCondition(double SloTarget, IReadOnlyList<BurnWindow> Windows) : RuleCondition;

public sealed record BurnWindow(TimeSpan Long, TimeSpan Short, double Factor);
