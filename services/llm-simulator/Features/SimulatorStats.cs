namespace LlmOps.LlmSimulator.Features;

/// <summary>Requests this simulator instance has received, so tests can tell which upstream a gateway chose.</summary>
public sealed class SimulatorStats
{
    private long _chatCompletions;
    private long _embeddings;

    public long ChatCompletions => Interlocked.Read(ref _chatCompletions);
    public long Embeddings => Interlocked.Read(ref _embeddings);

    public void CountChat() => Interlocked.Increment(ref _chatCompletions);
    public void CountEmbeddings() => Interlocked.Increment(ref _embeddings);
}
