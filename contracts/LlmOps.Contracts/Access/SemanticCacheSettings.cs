namespace LlmOps.Contracts.Access;

/// <summary>
/// A project's semantic cache: a request whose last user message means nearly the same as an earlier one (cosine
/// similarity of their embeddings at or above <see cref="Threshold"/>), with everything else identical, gets the
/// earlier answer. Entries live as long as the project's exact-cache TTL.
/// </summary>
public sealed record SemanticCacheSettings
{
    public bool Enabled { get; init; }

    public double Threshold { get; init; } = 0.95;

    /// <summary>Conversations with more messages than this are not matched (their answer depends on more than one question).</summary>
    public int MaxMessages { get; init; } = 4;

    /// <summary>
    /// An embeddings model the gateway serves (its call is priced and traced like any other); null = the built-in local
    /// embedder, which matches wording, not meaning.
    /// </summary>
    public string? EmbeddingModel { get; init; }
}
