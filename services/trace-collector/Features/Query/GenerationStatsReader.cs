using LlmOps.TraceCollector.Features.Rollups;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// trace-stats' generation figures per bucket (generations, cache lookups and hits, the time-to-first-token histogram):
/// whole minutes from <c>generation_rollups</c>, the partial minutes at the window's edges from the generations
/// themselves, through what each was counted with (its <c>rollup_*</c> columns, on a partial index), so the edges agree
/// with the rollups by construction.
/// </summary>
public static class GenerationStatsReader
{
    public sealed class GenerationFigures
    {
        public long Generations;
        public long CacheLookups;
        public long CacheHits;
        public readonly SortedDictionary<int, long> Ttft = [];

        public TraceStatsEndpoint.GenerationBucket ToBucket(DateTime bucket)
        {
            var timed = Ttft.Values.Sum();
            return new(bucket, Generations, CacheLookups, CacheHits, CacheLookups == 0 ? null : (double)CacheHits / CacheLookups, timed,
                LatencyHistogram.Percentile(Ttft, 50), LatencyHistogram.Percentile(Ttft, 95));
        }

        public void Add(int bucket, long generations, long lookups, long hits)
        {
            Generations += generations;
            CacheLookups += lookups;
            CacheHits += hits;
            if (bucket != LatencyHistogram.Untimed)
                Ttft[bucket] = Ttft.GetValueOrDefault(bucket) + generations;
        }
    }

    public static async Task<Dictionary<DateTime, GenerationFigures>> ReadAsync(TraceCollectorDbContext db, string? only, DateTime start, DateTime end,
        TimeSpan step, CancellationToken cancellationToken)
    {
        var figures = new Dictionary<DateTime, GenerationFigures>();
        var (whole, edges) = TraceStatsReader.Split(start, end);
        if (whole is var (firstWhole, endWhole))
            await AddRollupsAsync(db, only, firstWhole, endWhole, step, figures, cancellationToken);
        foreach (var (from, to) in edges)
        {
            // The rollup minute range lets the partial index narrow the scan to this minute's counted generations. The project
            // is filtered here, not in SQL: given an equality on project_id, SQLite (no statistics) picks the project's own
            // index and scans every observation of the project. An edge is under a minute of generations, all projects.
            var minute = RollupAccounting.Minute(from);
            var generations = await db.Observations.AsNoTracking()
                .Where(o => o.RollupMinute != null && o.RollupMinute >= minute && o.RollupMinute < to && o.StartTime >= from && o.StartTime < to)
                .Select(o => new { o.ProjectId, o.StartTime, o.RollupBucket, o.RollupCache })
                .ToListAsync(cancellationToken);
            foreach (var g in generations.Where(g => only is null || g.ProjectId == only))
                Of(figures, TraceStatsReader.Floor(g.StartTime!.Value, step)).Add(g.RollupBucket ?? LatencyHistogram.Untimed, 1,
                    g.RollupCache > GenerationFacts.NoLookup ? 1 : 0, g.RollupCache == GenerationFacts.Hit ? 1 : 0);
        }
        return figures;
    }

    /// <summary>
    /// A minute holds one row per TTFT bucket its generations fell in, so a busy week is hundreds of thousands of rows:
    /// for hour and day buckets the database sums them per (hour or day, TTFT bucket) and only those sums travel.
    /// </summary>
    private static async Task AddRollupsAsync(TraceCollectorDbContext db, string? only, DateTime from, DateTime to, TimeSpan step,
        Dictionary<DateTime, GenerationFigures> figures, CancellationToken cancellationToken)
    {
        var rollups = db.GenerationRollups.AsNoTracking().Where(r => r.Minute >= from && r.Minute < to);
        if (only is not null)
            rollups = rollups.Where(r => r.ProjectId == only);
        if (step == TimeSpan.FromMinutes(1))
        {
            await foreach (var r in rollups.AsAsyncEnumerable().WithCancellation(cancellationToken))
                Of(figures, r.Minute).Add(r.TtftBucket, r.Generations, r.CacheLookups, r.CacheHits);
            return;
        }
        var hourly = step < TimeSpan.FromDays(1);
        var sums = await rollups
            .GroupBy(r => new { r.Minute.Date, Hour = hourly ? r.Minute.Hour : 0, r.TtftBucket })
            .Select(g => new
            {
                g.Key.Date, g.Key.Hour, g.Key.TtftBucket, Generations = g.Sum(r => r.Generations), Lookups = g.Sum(r => r.CacheLookups),
                Hits = g.Sum(r => r.CacheHits),
            })
            .ToListAsync(cancellationToken);
        foreach (var sum in sums)
        {
            var at = DateTime.SpecifyKind(sum.Date.AddHours(sum.Hour), DateTimeKind.Utc);
            Of(figures, TraceStatsReader.Floor(at, step)).Add(sum.TtftBucket, sum.Generations, sum.Lookups, sum.Hits);
        }
    }

    private static GenerationFigures Of(Dictionary<DateTime, GenerationFigures> figures, DateTime bucket)
    {
        if (!figures.TryGetValue(bucket, out var found))
            figures[bucket] = found = new GenerationFigures();
        return found;
    }
}
