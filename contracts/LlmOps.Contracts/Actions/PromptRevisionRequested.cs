namespace LlmOps.Contracts.Actions;

/// <summary>A prompt version fails and no earlier version is better: a person (or tool) must revise it.</summary>
public sealed record PromptRevisionRequested
{
    public required Guid ActionId { get; init; }
    public required string ProjectId { get; init; }
    public required string PromptName { get; init; }
    public required int PromptVersion { get; init; }
    public required string Reason { get; init; }
    public required ActionEvidence Evidence { get; init; }
    public IReadOnlyList<FailingExample> FailingExamples { get; init; } = [];
    public required DateTimeOffset RequestedAt { get; init; }
}
