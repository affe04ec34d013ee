namespace LlmOps.Contracts.Inference;

/// <summary>What one guardrail rail decided about one request.</summary>
public sealed record GuardrailVerdict
{
    /// <summary>Rail name, e.g. <c>prompt-injection</c>, <c>pii</c>, <c>json-schema</c>, <c>banned-terms</c>.</summary>
    public required string Rail { get; init; }

    /// <summary><c>input</c>, <c>retrieval</c> or <c>output</c>.</summary>
    public required string Stage { get; init; }

    /// <summary>One of <see cref="GuardrailActions"/>: what the rail did.</summary>
    public required string Action { get; init; }

    public bool Triggered { get; init; }
    public double? Score { get; init; }

    /// <summary>What matched (entity kinds, rule ids); never the matched secret itself.</summary>
    public string? Detail { get; init; }
}
