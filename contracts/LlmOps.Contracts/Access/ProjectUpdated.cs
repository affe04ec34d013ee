namespace LlmOps.Contracts.Access;

/// <summary>A project's settings changed. Carries the whole current state, so applying it twice or late is harmless.</summary>
public sealed record ProjectUpdated
{
    public required string ProjectId { get; init; }
    public required string Name { get; init; }
    public bool CaptureContent { get; init; } = true;

    /// <summary>How long the gateway's exact cache keeps this project's answers; 0 = no caching.</summary>
    public int CacheTtlSeconds { get; init; }

    /// <summary>Limits for the whole project (all keys, all gateway replicas); null = none.</summary>
    public int? RequestsPerMinute { get; init; }

    public long? TokensPerMinute { get; init; }
    /// <summary>Days the trace collector keeps this project's traces; null = forever.</summary>
    public int? TraceRetentionDays { get; init; }

    /// <summary>Whether the trace collector masks PII and secrets in this project's trace text before storing it.</summary>
    public bool RedactTracePii { get; init; }

    /// <summary>The project's guardrail rails, in the order they run.</summary>
    public IReadOnlyList<GuardrailRule> Guardrails { get; init; } = [];

    /// <summary>Null = no semantic cache.</summary>
    public SemanticCacheSettings? SemanticCache { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}
