namespace LlmOps.Contracts.Access;

/// <summary>
/// One guardrail rail a project turns on: which check (<see cref="Inference.GuardrailRails"/>), at which stage
/// (<see cref="Inference.GuardrailStages"/>) and what it does when it triggers (<see cref="Inference.GuardrailActions"/>).
/// </summary>
public sealed record GuardrailRule
{
    public required string Rail { get; init; }
    public required string Stage { get; init; }
    public required string Action { get; init; }

    /// <summary>prompt-injection: the score (0–1) from which the rail triggers; null = the gateway's default.</summary>
    public double? Threshold { get; init; }

    /// <summary>pii: the entity kinds to look for (<see cref="Inference.PiiKinds"/>); null or empty = all of them.</summary>
    public IReadOnlyList<string>? Entities { get; init; }

    /// <summary>banned-terms: words or phrases, matched case-insensitively on word boundaries.</summary>
    public IReadOnlyList<string>? Terms { get; init; }
}
