namespace LlmOps.Contracts.Access;

/// <summary>
/// Request (answered by inference-proxy, which owns keys) for every active project key. A service sends it at start and
/// now and then, so it knows keys issued while it was down; ApiKeyIssued / ApiKeyRevoked keep it current in between.
/// </summary>
public sealed record GetApiKeySnapshot
{
    /// <summary>The host asking, for the responder's logs.</summary>
    public required string RequestedBy { get; init; }
}
