namespace LlmOps.Contracts.Actions;

/// <summary>
/// The loop controller's diagnosis, whatever the path: the index of every action. The path-specific message with
/// the same <see cref="ActionId"/> carries the details its actor needs.
/// </summary>
public sealed record OptimizationActionProposed
{
    /// <summary>Deterministic from the diagnosis and its window: the same diagnosis twice is one action.</summary>
    public required Guid ActionId { get; init; }

    public required string ProjectId { get; init; }

    /// <summary>One of <see cref="ActionPaths"/>.</summary>
    public required string Path { get; init; }

    /// <summary>The path-specific message's name, e.g. <c>prompt_rollback</c>, <c>knowledge_gap</c>.</summary>
    public required string Kind { get; init; }

    public required string Summary { get; init; }
    public required ActionEvidence Evidence { get; init; }

    public string? PromptName { get; init; }
    public int? PromptVersion { get; init; }
    public string? Model { get; init; }
    public string? DataSourceId { get; init; }

    /// <summary>No action of the same kind for the same subject before this time.</summary>
    public DateTimeOffset? CooldownUntil { get; init; }

    public required DateTimeOffset ProposedAt { get; init; }
}
