using System.ComponentModel.DataAnnotations;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// <c>Alerting:Metrics</c>: how long the metric store keeps what, how the consumers batch, and the optional RabbitMQ
/// management poller for <c>error_queue_depth</c>. Validated at start.
/// </summary>
public sealed class MetricsOptions : IValidatableObject
{
    public const string Section = "Alerting:Metrics";

    /// <summary>How long cells are kept: the longest window (or burn-rate window) a rule can look at. Longer windows are cut to it.</summary>
    [Range(1, 7 * 24)]
    public int MinuteRetentionHours { get; set; } = 26;

    /// <summary>Per-minute cells are kept this long; older minutes are merged into <see cref="RollupMinutes"/> cells.</summary>
    [Range(1, 7 * 24)]
    public int RollupAfterHours { get; set; } = 2;

    /// <summary>The width of a rolled-up cell (a divisor of 60), i.e. the precision of a window's oldest edge beyond <see cref="RollupAfterHours"/>.</summary>
    [Range(2, 60)]
    public int RollupMinutes { get; set; } = 15;

    /// <summary>Rolled-up cells older than this are merged into hour cells (at or past MinuteRetentionHours: never).</summary>
    [Range(1, 7 * 24)]
    public int HourlyAfterHours { get; set; } = 6;

    /// <summary>Complete UTC days of daily totals kept besides today: the most a <c>baseline_ratio</c> can average.</summary>
    [Range(8, 90)]
    public int DayRetentionDays { get; set; } = 8;

    /// <summary>Ids remembered per event kind to drop redeliveries (memory: about 64 bytes each, at most twice this many).</summary>
    [Range(1_000, 10_000_000)]
    public int DedupCapacity { get; set; } = 200_000;

    /// <summary>Distinct series (label combinations) kept at most; events of new series beyond it are dropped and counted.</summary>
    [Range(100, 10_000_000)]
    public int MaxSeries { get; set; } = 200_000;

    /// <summary>Single events (CostRecorded, ScoreRecorded, InferenceCompleted) per consumer batch.</summary>
    [Range(1, 5_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>How often the windows are written to the database (and restored from at start).</summary>
    [Range(5, 3_600)]
    public int CheckpointSeconds { get; set; } = 30;

    /// <summary>Batch messages (CostRecordedBatch, ...) per consumer batch.</summary>
    [Range(1, 500)]
    public int BatchMessages { get; set; } = 20;

    [Range(1, 10_000)]
    public int BatchWaitMs { get; set; } = 100;

    [Range(1, 16)]
    public int BatchConcurrency { get; set; } = 2;

    /// <summary>RabbitMQ's management API (e.g. <c>http://rabbitmq:15672</c>); unset, <c>error_queue_depth</c> has no data.</summary>
    public string? ManagementUrl { get; set; }

    /// <summary>The virtual host whose queues are polled; default <c>Messaging:RabbitMq:VirtualHost</c>.</summary>
    public string? ManagementVirtualHost { get; set; }

    /// <summary>Default <c>Messaging:RabbitMq:Username</c>.</summary>
    public string? ManagementUsername { get; set; }

    /// <summary>From the environment only (<c>Alerting__Metrics__ManagementPassword</c>); default <c>Messaging:RabbitMq:Password</c>.</summary>
    public string? ManagementPassword { get; set; }

    [Range(5, 3_600)]
    public int ManagementPollSeconds { get; set; } = 30;

    [Range(1, 120)]
    public int ManagementTimeoutSeconds { get; set; } = 10;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (60 % RollupMinutes != 0)
            yield return new ValidationResult($"Alerting:Metrics:RollupMinutes {RollupMinutes} does not divide an hour.", [nameof(RollupMinutes)]);
        if (HourlyAfterHours < RollupAfterHours)
            yield return new ValidationResult($"Alerting:Metrics:HourlyAfterHours {HourlyAfterHours} is before RollupAfterHours {RollupAfterHours}.", [nameof(HourlyAfterHours)]);
        if (ManagementUrl is { Length: > 0 } url
            && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            yield return new ValidationResult($"Alerting:Metrics:ManagementUrl '{url}' is not an absolute http(s) address.", [nameof(ManagementUrl)]);
    }
}
