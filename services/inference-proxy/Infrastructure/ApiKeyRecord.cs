namespace LlmOps.InferenceProxy.Infrastructure;

/// <summary>A project key. Only its SHA-256 is stored; the key itself is shown once, when it is issued.</summary>
public sealed class ApiKeyRecord
{
    public required string Id { get; set; }
    public required string ProjectId { get; set; }
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required string KeyHash { get; set; }

    /// <summary>JSON array of model names; empty = every model the gateway routes.</summary>
    public string AllowedModels { get; set; } = "[]";

    public int? RequestsPerMinute { get; set; }
    public long? TokensPerMinute { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
}
