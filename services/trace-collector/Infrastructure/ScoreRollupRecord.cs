namespace LlmOps.TraceCollector.Infrastructure;

/// <summary>
/// The numeric scores with status ok recorded in one minute, per project and name: their count and sum (the mean is
/// sum / count). Kept by the trace store as it writes; each score remembers what it added (<see cref="ScoreRecord.RollupMinute"/>…).
/// </summary>
public sealed class ScoreRollupRecord
{
    public DateTime Minute { get; set; }
    public required string ProjectId { get; set; }
    public required string Name { get; set; }
    public long Count { get; set; }
    public double Sum { get; set; }
}
