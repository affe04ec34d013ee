namespace LlmOps.Contracts.Cost;

/// <summary>A budget's spend crossed one of its thresholds. Published once per threshold per period.</summary>
public sealed record BudgetThresholdCrossed
{
    public required Guid BudgetId { get; init; }
    public required string ProjectId { get; init; }

    /// <summary>One of <see cref="BudgetScopes"/>.</summary>
    public required string Scope { get; init; }

    /// <summary>The feature, key or user id the budget is for (the project id for project budgets).</summary>
    public required string ScopeValue { get; init; }

    public required DateTimeOffset PeriodStart { get; init; }
    public DateTimeOffset? PeriodEnd { get; init; }
    public decimal Amount { get; init; }
    public decimal Spent { get; init; }
    public double ThresholdPercent { get; init; }
    public required DateTimeOffset CrossedAt { get; init; }
}
