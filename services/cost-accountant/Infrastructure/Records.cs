namespace LlmOps.CostAccountant.Infrastructure;

/// <summary>
/// One price of one model from a date on. Never edited once used: a price change is a new row with a later
/// <see cref="EffectiveFrom"/>, so costs already recorded keep the price they were computed with.
/// </summary>
public sealed class PriceRecord
{
    /// <summary><c>provider/model@yyyy-MM-dd</c>.</summary>
    public required string Id { get; set; }

    public required string Provider { get; set; }
    public required string Model { get; set; }

    /// <summary>Other model ids the price applies to (JSON array).</summary>
    public string? Aliases { get; set; }

    /// <summary>USD per million tokens.</summary>
    public decimal Input { get; set; }

    public decimal Output { get; set; }
    public decimal? CachedInput { get; set; }
    public decimal? CacheWrite { get; set; }
    public DateTime EffectiveFrom { get; set; }

    /// <summary><c>catalog</c> (the shipped or operator's file) or <c>api</c> (POST /api/prices, which wins over the file).</summary>
    public required string Source { get; set; }

    public bool Uncertain { get; set; }
    public string? Comment { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>The cost of one inference (the ledger's unit, keyed by the inference id so a redelivery adds nothing).</summary>
public sealed class CostRecord
{
    public Guid InferenceId { get; set; }
    public required string ProjectId { get; set; }
    public string? TraceId { get; set; }
    public string? KeyId { get; set; }
    public string? UserId { get; set; }
    public string? Feature { get; set; }
    public string? PromptName { get; set; }
    public int? PromptVersion { get; set; }
    public string? Deployment { get; set; }
    public string? Provider { get; set; }
    public required string Model { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    public long CacheWriteInputTokens { get; set; }
    public long ReasoningTokens { get; set; }
    public bool Priced { get; set; }

    // Costs in nano-dollars (USD × 10⁹): exact integer sums in every database; null when unpriced.
    public long? InputCostNanos { get; set; }
    public long? OutputCostNanos { get; set; }
    public long? CachedInputCostNanos { get; set; }
    public long? CacheWriteCostNanos { get; set; }
    public long? TotalCostNanos { get; set; }
    public string? PriceId { get; set; }
    public bool CacheHit { get; set; }
    public DateTime OccurredAt { get; set; }

    /// <summary>Whether its CostRecorded was confirmed by the broker (a redelivery republishes only those that were not).</summary>
    public bool Published { get; set; }
}

/// <summary>Costs summed per minute and per combination of the dimensions the query API groups by.</summary>
public sealed class CostRollupRecord
{
    public required string ProjectId { get; set; }
    public DateTime Minute { get; set; }

    // Empty string, not null, for "none": they are part of the key.
    public required string Model { get; set; }
    public required string Feature { get; set; }
    public required string KeyId { get; set; }
    public required string UserId { get; set; }
    public required string Deployment { get; set; }
    public required string Prompt { get; set; }

    public long Requests { get; set; }
    public long UnpricedRequests { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CachedInputTokens { get; set; }

    /// <summary>USD × 10⁹ of the priced requests.</summary>
    public long CostNanos { get; set; }
}

/// <summary>A spending limit for a project, or one feature, key or user of it, per day, calendar month or rolling window.</summary>
public sealed class BudgetRecord
{
    public Guid Id { get; set; }
    public required string ProjectId { get; set; }

    /// <summary><c>project</c>, <c>feature</c>, <c>key</c> or <c>user</c>.</summary>
    public required string Scope { get; set; }

    /// <summary>The feature, key id or user id (the project id for project budgets).</summary>
    public required string ScopeValue { get; set; }

    /// <summary><c>day</c> or <c>month</c> (UTC calendar), or <c>rolling</c> (the last <see cref="RollingHours"/>).</summary>
    public required string Period { get; set; }

    public int? RollingHours { get; set; }
    public long AmountNanos { get; set; }

    /// <summary>Percentages of the amount, ascending (JSON array), e.g. [50, 80, 100].</summary>
    public required string Thresholds { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// Where a budget stands in its current period: what was spent, which thresholds were announced, whether it is exhausted.
/// <see cref="Version"/> makes every change a compare-and-set, so with several replicas each event is claimed once.
/// </summary>
public sealed class BudgetStateRecord
{
    public Guid BudgetId { get; set; }
    public DateTime PeriodStart { get; set; }
    public long SpentNanos { get; set; }

    /// <summary>Bit i set: threshold i of the budget was announced in this period.</summary>
    public int CrossedMask { get; set; }

    public bool Exhausted { get; set; }
    public int Version { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// A slice of a budget granted to one gateway replica. Open until the replica hands it back with what it spent; an open
/// lease counts as spent in full (a replica that died keeps its slice until the period ends).
/// </summary>
public sealed class BudgetLeaseRecord
{
    public Guid Id { get; set; }
    public Guid BudgetId { get; set; }
    public required string ReplicaId { get; set; }
    public DateTime PeriodStart { get; set; }
    public long GrantedNanos { get; set; }
    public long SpentNanos { get; set; }
    public bool Closed { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ClosedAt { get; set; }
}
