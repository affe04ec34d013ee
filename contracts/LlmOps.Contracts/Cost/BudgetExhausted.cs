namespace LlmOps.Contracts.Cost;

/// <summary>A budget is spent: inference-proxy refuses its scope's requests until <see cref="BudgetRestored"/>.</summary>
public sealed record BudgetExhausted
{
    public required Guid BudgetId { get; init; }
    public required string ProjectId { get; init; }
    public required string Scope { get; init; }
    public required string ScopeValue { get; init; }
    public required DateTimeOffset PeriodStart { get; init; }
    public DateTimeOffset? PeriodEnd { get; init; }
    public decimal Amount { get; init; }
    public decimal Spent { get; init; }
    public required DateTimeOffset ExhaustedAt { get; init; }
}
