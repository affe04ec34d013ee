namespace LlmOps.TraceCollector.Infrastructure;

/// <summary>
/// The generations that started in one minute, per project and time-to-first-token bucket
/// (<see cref="Features.Rollups.LatencyHistogram"/>; <see cref="Features.Rollups.LatencyHistogram.Untimed"/> for a
/// generation with no TTFT: not streamed, or not reported), with how many of them looked up the response cache and how
/// many were served from it. Every column is a plain count, so the trace store keeps these rows with additive upserts
/// (no read-modify-write); the TTFT histogram of a minute is its rows' buckets and counts. Each generation remembers what
/// it added (<see cref="ObservationRecord.RollupMinute"/>…).
/// </summary>
public sealed class GenerationRollupRecord
{
    public DateTime Minute { get; set; }
    public required string ProjectId { get; set; }
    public int TtftBucket { get; set; }
    public long Generations { get; set; }
    public long CacheLookups { get; set; }
    public long CacheHits { get; set; }
}
