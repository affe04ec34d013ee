namespace LlmOps.Contracts.Alerting;

/// <summary>An alert went from pending to firing.</summary>
public sealed record AlertFired
{
    /// <summary>Hash of the alert's sorted labels: its identity across restarts and replicas.</summary>
    public required string Fingerprint { get; init; }

    public required string RuleName { get; init; }

    /// <summary><c>critical</c>, <c>error</c>, <c>warning</c> or <c>info</c>.</summary>
    public required string Severity { get; init; }

    public string? ProjectId { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>The metric value that breached, and the threshold it breached.</summary>
    public double? Value { get; init; }
    public double? Threshold { get; init; }

    public required DateTimeOffset StartsAt { get; init; }
    public required DateTimeOffset FiredAt { get; init; }
}
