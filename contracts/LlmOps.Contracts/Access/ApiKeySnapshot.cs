namespace LlmOps.Contracts.Access;

/// <summary>Every active (issued, not revoked) project key, as of <see cref="TakenAt"/>.</summary>
public sealed record ApiKeySnapshot
{
    public IReadOnlyList<ApiKeyIssued> ActiveKeys { get; init; } = [];

    /// <summary>Ids of revoked keys, so a receiver never resurrects one from a stale event.</summary>
    public IReadOnlyList<string> RevokedKeyIds { get; init; } = [];

    public required DateTimeOffset TakenAt { get; init; }
}
