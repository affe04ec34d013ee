namespace LlmOps.Contracts.Tracing;

/// <summary>
/// A trace whose root has ended and which has been quiet for the collector's quiet period. Carries what the
/// evaluators need so they never query back. Observations that arrive later publish the same trace again with a
/// higher <see cref="Revision"/>; evaluators may re-score it.
/// </summary>
public sealed record TraceCompleted
{
    public required string TraceId { get; init; }
    public required string ProjectId { get; init; }

    /// <summary>Starts at 1; increases each time the trace is published again after late observations.</summary>
    public int Revision { get; init; } = 1;

    public string? Name { get; init; }
    public string? UserId { get; init; }
    public string? SessionId { get; init; }
    public string? Feature { get; init; }

    public string? PromptName { get; init; }
    public int? PromptVersion { get; init; }
    /// <summary>
    /// The model the caller asked for (the gateway's requested model, OTel's <c>gen_ai.request.model</c>); when the trace
    /// reported only one model, that one.
    /// </summary>
    public string? Model { get; init; }

    public string? Provider { get; init; }

    /// <summary>The retriever / data source the trace's retrieval observations used.</summary>
    public string? DataSourceId { get; init; }

    /// <summary>The user's question (last user message or the trace input).</summary>
    public string? Question { get; init; }

    /// <summary>The final answer (last generation output or the trace output).</summary>
    public string? Answer { get; init; }

    public IReadOnlyList<RetrievedDocument> RetrievedDocuments { get; init; } = [];

    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public double LatencyMs { get; init; }

    /// <summary><c>ok</c> or <c>error</c>.</summary>
    public required string Status { get; init; }

    public int ObservationCount { get; init; }
    public bool IsEvaluatorTraffic { get; init; }

    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset CompletedAt { get; init; }

    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The model id the provider reported serving (its response's <c>model</c>, OTel's <c>gen_ai.response.model</c>), which may
    /// differ from the requested <see cref="Model"/> (an alias resolved to a dated snapshot, or silently changed). Null when
    /// the trace does not tell requested and served apart.
    /// </summary>
    public string? ResponseModel { get; init; }
}
