namespace LlmOps.Contracts.Access;

/// <summary>A project (the unit of isolation: keys, traces, costs and budgets belong to one).</summary>
public sealed record ProjectCreated
{
    public required string ProjectId { get; init; }
    public required string Name { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}
