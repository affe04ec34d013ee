namespace LlmOps.Contracts.Tracing;

public sealed record RetrievedDocument
{
    public string? Id { get; init; }
    public required string Content { get; init; }
    public double? Score { get; init; }
    public string? Source { get; init; }
}
