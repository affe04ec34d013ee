namespace LlmOps.TraceCollector.Infrastructure;

/// <summary>One trace of one project. Keyed by (project, id): a trace id chosen by one project can never merge into another's.</summary>
public sealed class TraceRecord
{
    public required string ProjectId { get; set; }
    public required string Id { get; set; }
    public string? Name { get; set; }
    public string? UserId { get; set; }
    public string? SessionId { get; set; }
    public string? Feature { get; set; }
    public DateTime StartTime { get; set; }
    public DateTime? EndTime { get; set; }

    /// <summary><c>ok</c> or <c>error</c>: error when any observation failed.</summary>
    public string Status { get; set; } = "ok";

    public string? Input { get; set; }
    public string? Output { get; set; }

    /// <summary>JSON object of string values.</summary>
    public string? Metadata { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>When anything of this trace was last written (the quiet period counts from here).</summary>
    public DateTime LastActivityAt { get; set; }

    /// <summary>True while the trace has activity not yet published in a TraceCompleted.</summary>
    public bool Pending { get; set; } = true;

    /// <summary>How many times TraceCompleted was published for it (the last revision).</summary>
    public int Revision { get; set; }

    /// <summary>The rollup minute this trace is counted in (null: not counted yet), with the feature, latency bucket and
    /// failure it was counted with: what to take back out when the trace changes.</summary>
    public DateTime? RollupMinute { get; set; }
    public string? RollupFeature { get; set; }
    public int? RollupBucket { get; set; }
    public bool? RollupError { get; set; }
}
