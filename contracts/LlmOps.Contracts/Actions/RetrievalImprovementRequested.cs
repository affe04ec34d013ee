namespace LlmOps.Contracts.Actions;

/// <summary>Retrieval misses while answers stay faithful to what was retrieved: fix the retriever or the index.</summary>
public sealed record RetrievalImprovementRequested
{
    public required Guid ActionId { get; init; }
    public required string ProjectId { get; init; }
    public string? DataSourceId { get; init; }

    /// <summary><c>context_relevance</c>, <c>context_recall</c> or <c>context_precision</c>.</summary>
    public required string Metric { get; init; }

    public required string Reason { get; init; }
    public required ActionEvidence Evidence { get; init; }
    public IReadOnlyList<FailingExample> FailingQueries { get; init; } = [];
    public required DateTimeOffset RequestedAt { get; init; }
}
