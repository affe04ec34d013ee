namespace LlmOps.Contracts.Inference;

/// <summary>
/// Token counts in OpenAI's (and OpenTelemetry's) convention: <see cref="InputTokens"/> includes
/// <see cref="CachedInputTokens"/> and <see cref="CacheWriteInputTokens"/>; <see cref="OutputTokens"/> includes
/// <see cref="ReasoningTokens"/>. Providers that count otherwise (Anthropic, Langfuse) are converted at the edge.
/// </summary>
public sealed record TokenUsage
{
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public long CacheWriteInputTokens { get; init; }
    public long ReasoningTokens { get; init; }

    /// <summary>True when the provider reported no usage and the proxy estimated it.</summary>
    public bool Estimated { get; init; }

    public long TotalTokens => InputTokens + OutputTokens;
}
