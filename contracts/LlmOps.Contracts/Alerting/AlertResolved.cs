namespace LlmOps.Contracts.Alerting;

/// <summary>A firing alert stopped holding (or was resolved by a person).</summary>
public sealed record AlertResolved
{
    public required string Fingerprint { get; init; }
    public required string RuleName { get; init; }
    public string? ProjectId { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public required DateTimeOffset StartsAt { get; init; }
    public required DateTimeOffset ResolvedAt { get; init; }

    /// <summary>Who resolved it by hand; null when the condition stopped holding.</summary>
    public string? ResolvedBy { get; init; }
}
