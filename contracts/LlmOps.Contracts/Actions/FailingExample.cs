namespace LlmOps.Contracts.Actions;

/// <summary>One failing trace, quoted so an actor can act without querying back.</summary>
public sealed record FailingExample
{
    public required string TraceId { get; init; }
    public string? Input { get; init; }
    public string? Output { get; init; }
    public string? Expected { get; init; }
    public string? Explanation { get; init; }
    public double? Score { get; init; }
}
