namespace LlmOps.Contracts.Cost;

/// <summary>
/// Request (answered by cost-accountant with <see cref="BudgetLeases"/>) from one gateway replica for one project: hands
/// back the leases it holds with what it spent of them, and takes fresh slices of every budget of the project. This is
/// how budgets hold across replicas: a replica admits requests only against slices it holds, and cost-accountant never
/// grants more than the budget's amount minus what is spent or held elsewhere.
/// </summary>
public sealed record LeaseBudget
{
    public required string ProjectId { get; init; }

    /// <summary>The asking gateway replica (for diagnostics and the lease table).</summary>
    public required string ReplicaId { get; init; }

    public IReadOnlyList<BudgetLeaseReturn> Returns { get; init; } = [];

    /// <summary>Only hand the leases back (the project went idle on this replica): grant nothing new.</summary>
    public bool Release { get; init; }

    /// <summary>Per budget, the least slice that is of use (a request's reservation larger than a default slice).</summary>
    public IReadOnlyDictionary<string, long> MinimumNanos { get; init; } = new Dictionary<string, long>();

    /// <summary>Models whose prices the replica needs to reserve and settle spend.</summary>
    public IReadOnlyList<PricedModel> Models { get; init; } = [];
}

/// <summary>A lease handed back, with the nano-dollars spent of it (reservations still in flight counted in full).</summary>
public sealed record BudgetLeaseReturn
{
    public required Guid LeaseId { get; init; }
    public long SpentNanos { get; init; }
}

/// <summary>A model as the gateway calls it.</summary>
public sealed record PricedModel
{
    public string? Provider { get; init; }
    public required string Model { get; init; }
}

/// <summary>The answer: the project's budgets, each with the slice granted to this replica (none once it is spent).</summary>
public sealed record BudgetLeases
{
    public required string ProjectId { get; init; }
    public IReadOnlyList<BudgetLease> Budgets { get; init; } = [];

    /// <summary>Current prices (USD per million tokens) of the models asked for that the catalog knows.</summary>
    public IReadOnlyList<ModelPrice> Prices { get; init; } = [];
}

public sealed record BudgetLease
{
    public required Guid BudgetId { get; init; }

    /// <summary>One of <see cref="BudgetScopes"/>.</summary>
    public required string Scope { get; init; }

    public required string ScopeValue { get; init; }
    public long AmountNanos { get; init; }

    /// <summary>Null when nothing could be granted.</summary>
    public Guid? LeaseId { get; init; }

    public long GrantedNanos { get; init; }

    /// <summary>What remained of the budget before this grant, as far as cost-accountant could tell.</summary>
    public long AvailableNanos { get; init; }
}

public sealed record ModelPrice
{
    public string? Provider { get; init; }
    public required string Model { get; init; }
    public decimal Input { get; init; }
    public decimal Output { get; init; }
    public decimal? CachedInput { get; init; }
    public decimal? CacheWrite { get; init; }
}
