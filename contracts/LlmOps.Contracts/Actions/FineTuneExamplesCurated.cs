namespace LlmOps.Contracts.Actions;

/// <summary>Unfaithful answers despite relevant context, across prompt versions: examples added to a fine-tune set.</summary>
public sealed record FineTuneExamplesCurated
{
    public required Guid ActionId { get; init; }
    public required string ProjectId { get; init; }
    public required Guid DatasetId { get; init; }
    public string? Model { get; init; }
    public int AddedCount { get; init; }
    public int TotalCount { get; init; }
    public int TargetCount { get; init; }
    public IReadOnlyList<string> AddedTraceIds { get; init; } = [];
    public required ActionEvidence Evidence { get; init; }
    public required DateTimeOffset CuratedAt { get; init; }
}
