namespace LlmOps.Contracts.Cost;

/// <summary>An exhausted budget has room again: a new period began, or the amount was raised.</summary>
public sealed record BudgetRestored
{
    public required Guid BudgetId { get; init; }
    public required string ProjectId { get; init; }
    public required string Scope { get; init; }
    public required string ScopeValue { get; init; }

    /// <summary><c>new_period</c>, <c>amount_raised</c> or <c>budget_deleted</c>.</summary>
    public required string Reason { get; init; }

    public decimal Amount { get; init; }
    public decimal Spent { get; init; }
    public required DateTimeOffset RestoredAt { get; init; }
}
