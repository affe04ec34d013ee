namespace LlmOps.Contracts.Inference;

/// <summary>
/// One request that reached inference-proxy, whatever its outcome (served, failed upstream, refused, blocked by a
/// guardrail, abandoned by the client). Published exactly once per <see cref="InferenceId"/>; consumers dedup on it.
/// </summary>
public sealed record InferenceCompleted
{
    /// <summary>The proxy's request id: the idempotency key for every consumer.</summary>
    public required Guid InferenceId { get; init; }

    public required string ProjectId { get; init; }
    public string? KeyId { get; init; }
    public string? UserId { get; init; }
    public string? SessionId { get; init; }
    public string? Feature { get; init; }

    /// <summary>W3C trace id, 32 lower-case hex characters.</summary>
    public required string TraceId { get; init; }

    /// <summary>The generation's span id, 16 lower-case hex characters.</summary>
    public required string SpanId { get; init; }

    /// <summary>Set when the caller joined an existing trace and named the parent span.</summary>
    public string? ParentSpanId { get; init; }

    /// <summary>One of <see cref="InferenceOperations"/>.</summary>
    public string Operation { get; init; } = InferenceOperations.Chat;

    public string? PromptName { get; init; }
    public int? PromptVersion { get; init; }
    public string? PromptLabel { get; init; }

    /// <summary>The routing group the requested model resolved to.</summary>
    public string? Route { get; init; }

    /// <summary>The deployment that finally answered (after fallbacks).</summary>
    public string? Deployment { get; init; }

    /// <summary>Provider kind of that deployment, e.g. <c>openai</c>, <c>azure-openai</c>, <c>anthropic</c>.</summary>
    public string? Provider { get; init; }

    /// <summary>The model name the caller sent.</summary>
    public required string RequestedModel { get; init; }

    /// <summary>The model the upstream says it used (its response's <c>model</c>).</summary>
    public string? ServedModel { get; init; }

    public bool Streamed { get; init; }
    public TokenUsage Usage { get; init; } = new();

    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset CompletedAt { get; init; }
    public double LatencyMs { get; init; }
    public double? TimeToFirstTokenMs { get; init; }

    /// <summary>Time the proxy itself added (total minus time waiting on the upstream).</summary>
    public double? OverheadMs { get; init; }

    /// <summary>One of <see cref="InferenceStatuses"/>.</summary>
    public required string Status { get; init; }

    /// <summary>OpenAI-style error type or code when the request did not succeed.</summary>
    public string? ErrorType { get; init; }
    public string? ErrorMessage { get; init; }

    /// <summary>The status code the caller received.</summary>
    public int? HttpStatus { get; init; }

    public string? FinishReason { get; init; }

    /// <summary>Upstream attempts made, fallbacks and retries included.</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>One of <see cref="CacheStatuses"/>.</summary>
    public string CacheStatus { get; init; } = CacheStatuses.None;

    public IReadOnlyList<GuardrailVerdict> GuardrailVerdicts { get; init; } = [];

    /// <summary>Caller-supplied metadata (header <c>x-llmops-metadata</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Request and response text, only when the project captures content.</summary>
    public InferenceContent? Content { get; init; }

    /// <summary>Traffic the evaluator generated itself (LLM-as-judge): priced and traced, never evaluated.</summary>
    public bool IsEvaluatorTraffic { get; init; }
}
