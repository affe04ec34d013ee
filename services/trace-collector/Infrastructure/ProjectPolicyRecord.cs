namespace LlmOps.TraceCollector.Infrastructure;

/// <summary>What the collector must know of a project: how long to keep its traces and whether to mask PII at ingest.</summary>
public sealed class ProjectPolicyRecord
{
    public required string ProjectId { get; set; }

    /// <summary>Null = keep forever.</summary>
    public int? RetentionDays { get; set; }

    public bool RedactPii { get; set; }
    public DateTime UpdatedAt { get; set; }
}
