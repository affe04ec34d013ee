namespace LlmOps.Contracts.Access;

public sealed record ApiKeyRevoked
{
    public required string KeyId { get; init; }
    public required string ProjectId { get; init; }
    public string? RevokedBy { get; init; }
    public required DateTimeOffset RevokedAt { get; init; }
}
