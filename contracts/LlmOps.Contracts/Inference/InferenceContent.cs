namespace LlmOps.Contracts.Inference;

/// <summary>Captured request and response text (opt-in per project).</summary>
public sealed record InferenceContent
{
    public IReadOnlyList<ContentMessage> Messages { get; init; } = [];

    /// <summary>The assistant's text answer (first choice).</summary>
    public string? Completion { get; init; }

    /// <summary>Tool calls the model asked for, as the provider's JSON array.</summary>
    public string? ToolCallsJson { get; init; }

    /// <summary>RAG documents the caller passed in <c>x-llmops-context</c>, as the upstream saw them (after the retrieval rails).</summary>
    public IReadOnlyList<string> Contexts { get; init; } = [];

    /// <summary>True when content was cut to the capture limit.</summary>
    public bool Truncated { get; init; }
}

public sealed record ContentMessage
{
    public required string Role { get; init; }
    public string? Content { get; init; }
    public string? Name { get; init; }
}
