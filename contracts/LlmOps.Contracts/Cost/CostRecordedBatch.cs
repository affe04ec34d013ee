namespace LlmOps.Contracts.Cost;

/// <summary>
/// The costs priced from one batch of inferences, in one message (cost-accountant publishes these instead of one
/// <see cref="CostRecorded"/> per inference). Consumers deduplicate on each cost's inference id.
/// </summary>
public sealed record CostRecordedBatch
{
    public required IReadOnlyList<CostRecorded> Costs { get; init; }
}
