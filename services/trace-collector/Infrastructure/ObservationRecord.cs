namespace LlmOps.TraceCollector.Infrastructure;

/// <summary>
/// A step of a trace: a generation, retrieval, tool call, guardrail check, span or event. Columns an ingestion path may
/// not know yet (an update can arrive before its create) are nullable: NULL means "not reported", and every write merges
/// into the row, a later non-null value winning (see <see cref="Features.Ingestion.TraceStore"/>).
/// </summary>
public sealed class ObservationRecord
{
    public required string ProjectId { get; set; }

    /// <summary>The span id (16 hex characters for W3C spans).</summary>
    public required string Id { get; set; }

    public required string TraceId { get; set; }
    public string? ParentId { get; set; }

    /// <summary>One of <see cref="ObservationTypes"/>; null until reported (read as span).</summary>
    public string? Type { get; set; }

    public string? Name { get; set; }
    public DateTime? StartTime { get; set; }
    public DateTime? EndTime { get; set; }
    public DateTime? CompletionStartTime { get; set; }

    public string? Model { get; set; }
    public string? Provider { get; set; }
    public string? Deployment { get; set; }
    public string? PromptName { get; set; }
    public int? PromptVersion { get; set; }

    /// <summary>Input tokens including cached reads (OpenTelemetry's convention; see docs/tracing.md).</summary>
    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }
    public long? CachedInputTokens { get; set; }
    public long? ReasoningTokens { get; set; }
    public bool? UsageEstimated { get; set; }

    /// <summary><c>ok</c> or <c>error</c>; null until reported (read as ok).</summary>
    public string? Status { get; set; }
    public string? StatusMessage { get; set; }
    public string? Input { get; set; }
    public string? Output { get; set; }
    public string? Metadata { get; set; }

    /// <summary>The InferenceCompleted this observation came from, when it came from the gateway.</summary>
    public Guid? InferenceId { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>The generation-rollup minute this observation is counted in (null: not a counted generation), with the
    /// TTFT bucket and cache outcome (<see cref="Features.Rollups.GenerationFacts"/>) it was counted with: what to take
    /// back out when the row changes.</summary>
    public DateTime? RollupMinute { get; set; }
    public int? RollupBucket { get; set; }
    public int? RollupCache { get; set; }
}

public static class ObservationTypes
{
    public const string Generation = "generation";
    public const string Embedding = "embedding";
    public const string Retrieval = "retrieval";
    public const string Tool = "tool";
    public const string Guardrail = "guardrail";
    public const string Agent = "agent";
    public const string Span = "span";
    public const string Event = "event";
}
