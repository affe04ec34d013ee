using LlmOps.TraceCollector.Features.Rollups;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

public enum Grouping
{
    None,
    Feature,
    Project,
}

/// <summary>
/// trace-stats' figures for a window: the whole minutes from the per-minute rollups, and only the partial minutes at
/// the window's edges from the raw traces and scores (on their time indexes), merged per bucket into one latency
/// histogram and one count and sum per score name. Each trace figure is kept overall (group null) and, when asked, per
/// feature or project too.
/// </summary>
public static class TraceStatsReader
{
    public sealed class TraceFigures
    {
        public long Traces;
        public long Errors;
        public readonly SortedDictionary<int, long> Latency = [];

        public TraceStatsEndpoint.TimeBucket ToBucket(DateTime bucket) => new(bucket, (int)Traces, (int)Errors,
            Traces == 0 ? null : (double)Errors / Traces, LatencyHistogram.Percentile(Latency, 50), LatencyHistogram.Percentile(Latency, 95),
            LatencyHistogram.Percentile(Latency, 99));
    }

    public sealed class ScoreFigures
    {
        public long Count;
        public double Sum;
    }

    public static async Task<(Dictionary<(DateTime Bucket, string? Group), TraceFigures> Traces, Dictionary<(DateTime Bucket, string Name), ScoreFigures> Scores)>
        ReadAsync(TraceCollectorDbContext db, string? only, DateTime start, DateTime end, TimeSpan step, Grouping grouping, CancellationToken cancellationToken)
    {
        var traces = new Dictionary<(DateTime, string?), TraceFigures>();
        var scores = new Dictionary<(DateTime, string), ScoreFigures>();
        var (whole, edges) = Split(start, end);
        if (whole is var (firstWhole, endWhole))
        {
            await AddTraceRollupsAsync(db, only, firstWhole, endWhole, step, grouping, traces, cancellationToken);
            await AddScoreRollupsAsync(db, only, firstWhole, endWhole, step, scores, cancellationToken);
        }
        foreach (var (from, to) in edges)
        {
            await AddRawTracesAsync(db, only, from, to, step, grouping, traces, cancellationToken);
            await AddRawScoresAsync(db, only, from, to, step, scores, cancellationToken);
        }
        return (traces, scores);
    }

    /// <summary>
    /// A window cut into its whole minutes (read from the rollups; null when it holds none) and the partial minutes at its
    /// edges (read from the raw rows).
    /// </summary>
    public static ((DateTime From, DateTime To)? Whole, List<(DateTime From, DateTime To)> Edges) Split(DateTime start, DateTime end)
    {
        var firstWhole = Ceiling(start);
        var endWhole = RollupAccounting.Minute(end);
        if (firstWhole >= endWhole)
            return (null, [(start, end)]);
        var edges = new List<(DateTime From, DateTime To)>();
        if (start < firstWhole)
            edges.Add((start, firstWhole));
        if (endWhole < end)
            edges.Add((endWhole, end));
        return ((firstWhole, endWhole), edges);
    }

    private static async Task AddTraceRollupsAsync(TraceCollectorDbContext db, string? only, DateTime from, DateTime to, TimeSpan step, Grouping grouping,
        Dictionary<(DateTime, string?), TraceFigures> figures, CancellationToken cancellationToken)
    {
        var rollups = db.TraceRollups.AsNoTracking().Where(r => r.Minute >= from && r.Minute < to);
        if (only is not null)
            rollups = rollups.Where(r => r.ProjectId == only);
        await foreach (var rollup in rollups.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            var bucket = Floor(rollup.Minute, step);
            foreach (var target in Targets(figures, bucket, grouping, rollup.ProjectId, rollup.Feature))
            {
                target.Traces += rollup.Traces;
                target.Errors += rollup.Errors;
                LatencyHistogram.AddTo(target.Latency, rollup.Latency);
            }
        }
    }

    private static async Task AddRawTracesAsync(TraceCollectorDbContext db, string? only, DateTime from, DateTime to, TimeSpan step, Grouping grouping,
        Dictionary<(DateTime, string?), TraceFigures> figures, CancellationToken cancellationToken)
    {
        var traces = db.Traces.AsNoTracking().Where(t => t.StartTime >= from && t.StartTime < to);
        if (only is not null)
            traces = traces.Where(t => t.ProjectId == only);
        var rows = await traces.Select(t => new { t.ProjectId, t.Feature, t.StartTime, t.EndTime, t.Status }).ToListAsync(cancellationToken);
        foreach (var row in rows)
        {
            var latency = LatencyHistogram.Bucket(row.StartTime, row.EndTime);
            foreach (var target in Targets(figures, Floor(row.StartTime, step), grouping, row.ProjectId, row.Feature ?? ""))
            {
                target.Traces++;
                if (row.Status == "error")
                    target.Errors++;
                if (latency != LatencyHistogram.Untimed)
                    target.Latency[latency] = target.Latency.GetValueOrDefault(latency) + 1;
            }
        }
    }

    /// <summary>The overall figures of the bucket, and its group's when grouping (a trace without a feature groups as "").</summary>
    private static IEnumerable<TraceFigures> Targets(Dictionary<(DateTime, string?), TraceFigures> figures, DateTime bucket, Grouping grouping,
        string projectId, string feature)
    {
        yield return Figures(figures, (bucket, null));
        if (grouping != Grouping.None)
            yield return Figures(figures, (bucket, grouping == Grouping.Feature ? feature : projectId));
    }

    private static TraceFigures Figures(Dictionary<(DateTime, string?), TraceFigures> figures, (DateTime, string?) key)
    {
        if (!figures.TryGetValue(key, out var found))
            figures[key] = found = new TraceFigures();
        return found;
    }

    private static async Task AddScoreRollupsAsync(TraceCollectorDbContext db, string? only, DateTime from, DateTime to, TimeSpan step,
        Dictionary<(DateTime, string), ScoreFigures> figures, CancellationToken cancellationToken)
    {
        var rollups = db.ScoreRollups.AsNoTracking().Where(r => r.Minute >= from && r.Minute < to);
        if (only is not null)
            rollups = rollups.Where(r => r.ProjectId == only);
        await foreach (var rollup in rollups.AsAsyncEnumerable().WithCancellation(cancellationToken))
            AddScore(figures, (Floor(rollup.Minute, step), rollup.Name), rollup.Count, rollup.Sum);
    }

    private static async Task AddRawScoresAsync(TraceCollectorDbContext db, string? only, DateTime from, DateTime to, TimeSpan step,
        Dictionary<(DateTime, string), ScoreFigures> figures, CancellationToken cancellationToken)
    {
        var scores = db.Scores.AsNoTracking().Where(s => s.Timestamp >= from && s.Timestamp < to && s.Status == "ok" && s.Value != null);
        if (only is not null)
            scores = scores.Where(s => s.ProjectId == only);
        foreach (var score in await scores.Select(s => new { s.Timestamp, s.Name, s.Value }).ToListAsync(cancellationToken))
            AddScore(figures, (Floor(score.Timestamp, step), score.Name), 1, score.Value!.Value);
    }

    private static void AddScore(Dictionary<(DateTime, string), ScoreFigures> figures, (DateTime, string) key, long count, double sum)
    {
        if (!figures.TryGetValue(key, out var found))
            figures[key] = found = new ScoreFigures();
        found.Count += count;
        found.Sum += sum;
    }

    internal static DateTime Ceiling(DateTime time)
    {
        var floor = RollupAccounting.Minute(time);
        return floor == DateTime.SpecifyKind(time, DateTimeKind.Utc) ? floor : floor.AddMinutes(1);
    }

    internal static DateTime Floor(DateTime time, TimeSpan size) =>
        DateTime.SpecifyKind(new DateTime(time.Ticks - time.Ticks % size.Ticks), DateTimeKind.Utc);
}
