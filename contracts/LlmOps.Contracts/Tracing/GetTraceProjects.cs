namespace LlmOps.Contracts.Tracing;

/// <summary>
/// Request (answered by trace-collector) for the projects that hold a trace with this id: how feedback-ingest tells a
/// trace of the caller's project (or one not seen yet) from another project's.
/// </summary>
public sealed record GetTraceProjects
{
    public required string TraceId { get; init; }
}

/// <summary>The answer: the projects with a trace of that id (empty when none has arrived yet).</summary>
public sealed record TraceProjects
{
    public required string TraceId { get; init; }
    public IReadOnlyList<string> ProjectIds { get; init; } = [];
}
