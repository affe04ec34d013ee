namespace LlmOps.Alerting.Infrastructure;

/// <summary>
/// The current (or last) episode of one alert, keyed by its fingerprint: enough to rebuild the rule's state machine after
/// a restart, plus what people did about it. Times are UTC.
/// </summary>
public sealed class AlertRecord
{
    public required string Fingerprint { get; set; }
    public required string RuleName { get; set; }
    /// <summary>The <c>project</c> label, copied out so a project key's queries filter on an index.</summary>
    public string? ProjectId { get; set; }
    public required string Severity { get; set; }
    /// <summary>JSON object of the alert's labels.</summary>
    public required string Labels { get; set; }
    /// <summary>JSON object of the rendered annotations.</summary>
    public required string Annotations { get; set; }
    /// <summary><c>pending</c>, <c>firing</c> or <c>resolved</c>.</summary>
    public required string State { get; set; }
    public DateTime ActiveAt { get; set; }
    public DateTime? FiredAt { get; set; }
    public DateTime? KeepFiringSince { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public double Value { get; set; }
    public double? Threshold { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTime? AcknowledgedAt { get; set; }
    public string? ResolvedBy { get; set; }
    /// <summary>An AlertFired / AlertResolved not yet confirmed by the broker (<c>fired</c>, <c>resolved</c>): re-published at start.</summary>
    public string? UnpublishedEvent { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One line of an alert's history: fired, resolved, acknowledged, resolved by hand.</summary>
public sealed class AlertHistoryRecord
{
    public Guid Id { get; set; }
    public required string Fingerprint { get; set; }
    public required string RuleName { get; set; }
    public string? ProjectId { get; set; }
    /// <summary><c>fired</c>, <c>resolved</c>, <c>acknowledged</c>.</summary>
    public required string Kind { get; set; }
    public DateTime At { get; set; }
    public double? Value { get; set; }
    public string? By { get; set; }
    public string? Note { get; set; }
}

/// <summary>What a receiver was last told about a group (the scheduler's NotificationLogEntry), written only after a 2xx.</summary>
public sealed class NotificationLogRecord
{
    public required string GroupKey { get; set; }
    public required string Receiver { get; set; }
    public DateTime LastNotifiedAt { get; set; }
    /// <summary>JSON array of fingerprints.</summary>
    public required string FiringFingerprints { get; set; }
    public bool ResolvedSent { get; set; }
}

/// <summary>One attempt to deliver one notification to one receiver (retries inside it counted in Attempts).</summary>
public sealed class DeliveryRecord
{
    public Guid Id { get; set; }
    public required string GroupKey { get; set; }
    public required string Receiver { get; set; }
    /// <summary><c>firing</c> or <c>resolved</c>.</summary>
    public required string Status { get; set; }
    /// <summary>JSON array of the fingerprints the notification carried (firing and resolved).</summary>
    public required string Fingerprints { get; set; }
    public bool Delivered { get; set; }
    public int Attempts { get; set; }
    public int? HttpStatus { get; set; }
    public string? Error { get; set; }
    public DateTime At { get; set; }
}

public sealed class SilenceRecord
{
    public Guid Id { get; set; }
    /// <summary>JSON array of matcher strings (<c>project="acme"</c>).</summary>
    public required string Matchers { get; set; }
    public DateTime StartsAt { get; set; }
    public DateTime EndsAt { get; set; }
    public required string CreatedBy { get; set; }
    public required string Comment { get; set; }
    /// <summary>Set when a project key created it: the silence then always carries <c>project="{ProjectId}"</c>.</summary>
    public string? ProjectId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>A rule created through <c>/api/rules</c> (file rules are not stored: the file is their source).</summary>
public sealed class RuleRecord
{
    public required string Name { get; set; }
    /// <summary>The rule as given (JSON or YAML), parsed by the same strict reader as the rules file.</summary>
    public required string Definition { get; set; }
    public int IntervalSeconds { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>The metric windows' last checkpoint, so a restart does not forget a day of cost or an hour of scores.</summary>
public sealed class MetricCheckpointRecord
{
    public required string Id { get; set; }
    public required string Data { get; set; }
    public DateTime SavedAt { get; set; }
}
