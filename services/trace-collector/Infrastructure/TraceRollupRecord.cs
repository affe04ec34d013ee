namespace LlmOps.TraceCollector.Infrastructure;

/// <summary>
/// The traces that started in one minute, per project and feature: how many, how many failed, and their latency
/// histogram (<see cref="Features.Rollups.LatencyHistogram"/>). Kept by the trace store as it writes (trace-stats reads
/// these instead of every trace); each trace remembers what it added (<see cref="TraceRecord.RollupMinute"/>…), so a
/// redelivered or updated trace moves its contribution instead of adding it twice.
/// </summary>
public sealed class TraceRollupRecord
{
    public DateTime Minute { get; set; }
    public required string ProjectId { get; set; }

    /// <summary>The trace's feature, empty when it has none.</summary>
    public required string Feature { get; set; }

    public long Traces { get; set; }
    public long Errors { get; set; }

    /// <summary>Finished traces' latencies, <c>bucket:count,…</c>.</summary>
    public string Latency { get; set; } = "";
}
