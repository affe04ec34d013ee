namespace LlmOps.Contracts.Evaluation;

/// <summary>
/// An evaluator replica's periodic heartbeat for one lane (every <see cref="IntervalSeconds"/>): whether online
/// evaluation keeps up. Alerting turns these into <c>evaluator_lag</c>; a replica that stops reporting is itself news,
/// so consumers treat a report older than two intervals as a lag that keeps growing.
/// </summary>
public sealed record EvaluatorProgressReported
{
    /// <summary>The reporting replica (machine name and process), so two replicas' reports are not mistaken for one.</summary>
    public required string Instance { get; init; }

    /// <summary><c>lexical</c> (checks and lexical metrics) or <c>judge</c> (LLM judges).</summary>
    public required string Lane { get; init; }

    /// <summary>Traces this replica holds and has not finished evaluating.</summary>
    public long Backlog { get; init; }

    /// <summary>How far behind the lane is, in seconds (0 when it holds nothing).</summary>
    public double LagSeconds { get; init; }

    /// <summary>True while the replica holds traces without finishing any for its stall limit.</summary>
    public bool Stalled { get; init; }

    /// <summary>The reporting period: a report older than two of these means the reporter is gone or cut off.</summary>
    public int IntervalSeconds { get; init; }

    public required DateTimeOffset ReportedAt { get; init; }
}
