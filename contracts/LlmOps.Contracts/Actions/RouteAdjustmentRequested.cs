namespace LlmOps.Contracts.Actions;

/// <summary>Change how a route spreads traffic, e.g. take weight from a deployment whose quality or latency fell.</summary>
public sealed record RouteAdjustmentRequested
{
    public required Guid ActionId { get; init; }
    public required string ProjectId { get; init; }
    public required string Route { get; init; }
    public required string Deployment { get; init; }

    /// <summary><c>set_weight</c>, <c>disable</c> or <c>enable</c>.</summary>
    public required string Adjustment { get; init; }

    public double? Weight { get; init; }
    public DateTimeOffset? Until { get; init; }
    public required string Reason { get; init; }
    public ActionEvidence? Evidence { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
}
