namespace LlmOps.Contracts.Inference;

/// <summary>
/// Many <see cref="InferenceCompleted"/> in one message: how inference-proxy publishes them, because one message per
/// request caps a consumer near two thousand a second while the writes behind it take tens of thousands. Each inference
/// keeps its own id, so consumers deduplicate exactly as for single events (which they also still accept).
/// </summary>
public sealed record InferenceCompletedBatch
{
    public required IReadOnlyList<InferenceCompleted> Inferences { get; init; }
}
