namespace LlmOps.Contracts.Access;

/// <summary>
/// A project key was issued. Carries the key's hash, never the key: every service validates keys against hashes it
/// learned from this event.
/// </summary>
public sealed record ApiKeyIssued
{
    public required string KeyId { get; init; }
    public required string ProjectId { get; init; }
    public required string Name { get; init; }

    /// <summary>The key's first characters, shown in listings so a person can tell keys apart.</summary>
    public required string Prefix { get; init; }

    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public required string KeyHash { get; init; }

    /// <summary>Models the key may use; empty = all the project's models.</summary>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];

    public int? RequestsPerMinute { get; init; }
    public long? TokensPerMinute { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public required DateTimeOffset IssuedAt { get; init; }
}
