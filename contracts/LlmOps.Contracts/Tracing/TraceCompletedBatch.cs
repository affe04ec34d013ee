namespace LlmOps.Contracts.Tracing;

/// <summary>
/// Many <see cref="TraceCompleted"/> in one message, as trace-collector publishes them (one broker confirm per batch
/// instead of per trace). Consumers handle each trace exactly as a single TraceCompleted, which they also still accept.
/// </summary>
public sealed record TraceCompletedBatch
{
    public required IReadOnlyList<TraceCompleted> Traces { get; init; }
}
