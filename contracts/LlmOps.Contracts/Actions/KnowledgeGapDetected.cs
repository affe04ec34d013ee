namespace LlmOps.Contracts.Actions;

/// <summary>A cluster of queries for which nothing relevant is retrieved: the knowledge base lacks the content.</summary>
public sealed record KnowledgeGapDetected
{
    public required Guid ActionId { get; init; }
    public required string ProjectId { get; init; }
    public string? DataSourceId { get; init; }

    /// <summary>Short description of the cluster (its most characteristic terms).</summary>
    public required string Topic { get; init; }

    public IReadOnlyList<string> ExampleQueries { get; init; } = [];
    public int QueryCount { get; init; }
    public required ActionEvidence Evidence { get; init; }
    public required DateTimeOffset DetectedAt { get; init; }
}
