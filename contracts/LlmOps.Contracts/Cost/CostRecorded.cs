namespace LlmOps.Contracts.Cost;

/// <summary>The price of one inference. Published once per <see cref="InferenceId"/>.</summary>
public sealed record CostRecorded
{
    public required Guid InferenceId { get; init; }
    public required string ProjectId { get; init; }
    public string? TraceId { get; init; }
    public string? KeyId { get; init; }
    public string? UserId { get; init; }
    public string? Feature { get; init; }
    public string? PromptName { get; init; }
    public int? PromptVersion { get; init; }
    public string? Deployment { get; init; }
    public string? Provider { get; init; }
    public required string Model { get; init; }

    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public long CacheWriteInputTokens { get; init; }
    public long ReasoningTokens { get; init; }

    /// <summary>False when no price was known for the model: the costs below are then null, never zero.</summary>
    public required bool Priced { get; init; }

    public decimal? InputCost { get; init; }
    public decimal? OutputCost { get; init; }
    public decimal? CachedInputCost { get; init; }
    public decimal? CacheWriteCost { get; init; }
    public decimal? TotalCost { get; init; }
    public string Currency { get; init; } = "USD";

    /// <summary>The catalog entry used, so a later price change never rewrites this record.</summary>
    public string? PriceId { get; init; }

    public bool CacheHit { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}
