namespace LlmOps.InferenceProxy.Infrastructure;

public sealed class ProjectRecord
{
    public required string Id { get; set; }
    public required string Name { get; set; }

    /// <summary>Whether request and response text of this project's traffic is captured into events and traces.</summary>
    public bool CaptureContent { get; set; } = true;

    /// <summary>How long the exact cache keeps this project's answers; 0 = no caching.</summary>
    public int CacheTtlSeconds { get; set; }

    /// <summary>Limits for the whole project, across all its keys and all gateway replicas; null = none.</summary>
    public int? RequestsPerMinute { get; set; }

    public long? TokensPerMinute { get; set; }

    /// <summary>The guardrail rules (JSON array of GuardrailRule); null = none.</summary>
    public string? GuardrailsJson { get; set; }

    /// <summary>The semantic cache settings (JSON SemanticCacheSettings); null = off.</summary>
    public string? SemanticCacheJson { get; set; }

    /// <summary>Days the trace collector keeps this project's traces; null = forever.</summary>
    public int? TraceRetentionDays { get; set; }

    /// <summary>Whether the trace collector masks PII in this project's trace text at ingest.</summary>
    public bool RedactTracePii { get; set; }

    public DateTime CreatedAt { get; set; }
}
