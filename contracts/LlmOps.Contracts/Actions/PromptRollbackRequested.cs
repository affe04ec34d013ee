namespace LlmOps.Contracts.Actions;

/// <summary>Move a prompt label back to an earlier version that did significantly better.</summary>
public sealed record PromptRollbackRequested
{
    public required Guid ActionId { get; init; }
    public required string ProjectId { get; init; }
    public required string PromptName { get; init; }

    /// <summary>The label to move, usually <c>production</c>.</summary>
    public required string Label { get; init; }

    public required int FromVersion { get; init; }
    public required int ToVersion { get; init; }
    public required string Reason { get; init; }
    public required ActionEvidence Evidence { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
}
