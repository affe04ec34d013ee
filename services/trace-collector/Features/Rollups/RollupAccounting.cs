using LlmOps.ServiceDefaults.Storage;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LlmOps.TraceCollector.Features.Rollups;

/// <summary>
/// Keeps the per-minute rollups (<see cref="TraceRollupRecord"/>, <see cref="ScoreRollupRecord"/>,
/// <see cref="GenerationRollupRecord"/>) in step with the rows
/// a write touched, inside the writer's transaction. Each trace and score row remembers the contribution it was counted
/// with (its <c>rollup_*</c> columns); accounting compares that with what the row says now and moves only the
/// difference (take the old contribution out, put the new one in). So accounting the same row twice, a redelivered
/// batch, or a trace whose start, end, status or feature changed later never counts anything twice, and the rollups
/// always equal what a scan of the raw rows would give. Concurrency: the row's own upsert already holds its lock until
/// commit; trace rollups are read and rewritten under row locks taken in key order (PostgreSQL), score rollups are
/// plain additive upserts; SQLite has a single writer.
/// </summary>
public static class RollupAccounting
{
    internal sealed record TraceContribution(DateTime Minute, string Feature, int Bucket, bool Error);

    internal sealed record ScoreContribution(DateTime Minute, string Name, double Value);

    private sealed class TraceDelta
    {
        public long Traces;
        public long Errors;
        public readonly Dictionary<int, long> Latency = [];
    }

    public static DateTime Minute(DateTime time) =>
        DateTime.SpecifyKind(new DateTime(time.Ticks - time.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);

    /// <summary>Brings the rollups in line with the current state of these traces, scores and observations. Call inside a transaction.</summary>
    public static async Task AccountAsync(TraceCollectorDbContext db, IReadOnlyCollection<(string ProjectId, string Id)> traces,
        IReadOnlyCollection<(string ProjectId, string Id)> scores, CancellationToken cancellationToken,
        IReadOnlyCollection<(string ProjectId, string Id)>? observations = null)
    {
        var sql = Sql(db);
        if (traces.Count > 0)
            await AccountTracesAsync(sql, await sql.ReadTracesAsync(Sorted(traces), cancellationToken), cancellationToken);
        if (scores.Count > 0)
            await AccountScoresAsync(sql, Sorted(scores), cancellationToken);
        if (observations is { Count: > 0 })
            await AccountGenerationsAsync(sql, await sql.ReadGenerationsAsync(Sorted(observations), cancellationToken), cancellationToken);
    }

    /// <summary>
    /// <see cref="AccountAsync"/> for rows the writer already has as they stand now (its upserts' <c>RETURNING</c>, on
    /// PostgreSQL), so they are not read again; fresh ones whose insert wrote the right rollup columns are not marked again.
    /// </summary>
    internal static async Task AccountWrittenAsync(TraceCollectorDbContext db, IReadOnlyList<TraceRow> traces,
        IReadOnlyCollection<(string ProjectId, string Id)> scores, IReadOnlyList<GenerationRow> observations, CancellationToken cancellationToken)
    {
        var sql = Sql(db);
        // Key order, as the marks and rollup writes lock rows.
        await AccountTracesAsync(sql, [.. traces.OrderBy(t => t.ProjectId, StringComparer.Ordinal).ThenBy(t => t.Id, StringComparer.Ordinal)], cancellationToken);
        if (scores.Count > 0)
            await AccountScoresAsync(sql, Sorted(scores), cancellationToken);
        await AccountGenerationsAsync(sql, [.. observations.OrderBy(o => o.ProjectId, StringComparer.Ordinal).ThenBy(o => o.Id, StringComparer.Ordinal)],
            cancellationToken);
    }

    /// <summary>
    /// Takes the generations about to be deleted out of the generation rollups (call in the deleting transaction, before
    /// the delete): a generation may start in a later minute than its trace, so dropping the trace's minutes is not enough.
    /// </summary>
    public static async Task ForgetGenerationsAsync(TraceCollectorDbContext db, IQueryable<ObservationRecord> doomed, CancellationToken cancellationToken)
    {
        var counted = await doomed.Where(o => o.RollupMinute != null)
            .GroupBy(o => new { o.ProjectId, o.RollupMinute, o.RollupBucket })
            .Select(g => new
            {
                g.Key.ProjectId, g.Key.RollupMinute, g.Key.RollupBucket, Count = g.LongCount(),
                Lookups = g.LongCount(o => o.RollupCache > GenerationFacts.NoLookup), Hits = g.LongCount(o => o.RollupCache == GenerationFacts.Hit),
            })
            .ToListAsync(cancellationToken);
        var deltas = counted
            .Select(c => new GenerationRollupRecord
            {
                Minute = DateTime.SpecifyKind(c.RollupMinute!.Value, DateTimeKind.Utc), ProjectId = c.ProjectId,
                TtftBucket = c.RollupBucket ?? LatencyHistogram.Untimed, Generations = -c.Count, CacheLookups = -c.Lookups, CacheHits = -c.Hits,
            })
            .OrderBy(r => r.Minute).ThenBy(r => r.ProjectId, StringComparer.Ordinal).ThenBy(r => r.TtftBucket)
            .ToList();
        await Sql(db).AddGenerationRollupsAsync(deltas, cancellationToken);
    }

    /// <summary>
    /// Takes the scores about to be deleted out of the score rollups (call in the deleting transaction, before the
    /// delete). Trace rollups need no such step: retention deletes whole minutes of traces and drops those minutes' rollups.
    /// </summary>
    public static async Task ForgetScoresAsync(TraceCollectorDbContext db, IQueryable<ScoreRecord> doomed, CancellationToken cancellationToken)
    {
        var counted = await doomed.Where(s => s.RollupMinute != null && s.RollupName != null && s.RollupValue != null)
            .GroupBy(s => new { s.ProjectId, s.RollupMinute, s.RollupName })
            .Select(g => new { g.Key.ProjectId, g.Key.RollupMinute, g.Key.RollupName, Count = g.LongCount(), Sum = g.Sum(s => s.RollupValue!.Value) })
            .ToListAsync(cancellationToken);
        if (counted.Count == 0)
            return;
        var deltas = counted
            .Select(c => new ScoreRollupRecord
            {
                Minute = DateTime.SpecifyKind(c.RollupMinute!.Value, DateTimeKind.Utc), ProjectId = c.ProjectId, Name = c.RollupName!, Count = -c.Count, Sum = -c.Sum,
            })
            .OrderBy(r => (r.Minute, r.ProjectId, r.Name), RollupSql.KeyOrder)
            .ToList();
        await Sql(db).AddScoreRollupsAsync(deltas, cancellationToken);
    }

    private static RollupSql Sql(TraceCollectorDbContext db)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Rollups are accounted inside the writer's transaction.");
        return new RollupSql(db.Database.GetDbConnection(), transaction, db.Database.IsPostgres(),
            db.Database.Table(TraceCollectorDbContext.Schema, "traces"), db.Database.Table(TraceCollectorDbContext.Schema, "scores"),
            db.Database.Table(TraceCollectorDbContext.Schema, "trace_rollups"), db.Database.Table(TraceCollectorDbContext.Schema, "score_rollups"),
            db.Database.Table(TraceCollectorDbContext.Schema, "observations"), db.Database.Table(TraceCollectorDbContext.Schema, "generation_rollups"));
    }

    private static List<(string ProjectId, string Id)> Sorted(IEnumerable<(string ProjectId, string Id)> keys) =>
        keys.Distinct().OrderBy(k => k.ProjectId, StringComparer.Ordinal).ThenBy(k => k.Id, StringComparer.Ordinal).ToList();

    private static async Task AccountTracesAsync(RollupSql sql, IReadOnlyList<TraceRow> rows, CancellationToken cancellationToken)
    {
        var deltas = new SortedDictionary<(DateTime Minute, string ProjectId, string Feature), TraceDelta>(RollupSql.KeyOrder);
        var changed = new List<RollupSql.TraceMark>();
        foreach (var row in rows)
        {
            var now = new TraceContribution(Minute(row.Start), row.Feature ?? "", LatencyHistogram.Bucket(row.Start, row.End), row.Status == "error");
            var before = row.Fresh ? null : row.Counted;
            if (before != now)
            {
                if (before is not null)
                    Apply(deltas, row.ProjectId, before, -1);
                Apply(deltas, row.ProjectId, now, +1);
            }
            if (row.Counted != now)
                changed.Add(new RollupSql.TraceMark(row.ProjectId, row.Id, now.Minute, now.Feature, now.Bucket, now.Error));
        }
        if (changed.Count > 0)
            await sql.MarkTracesAsync(changed, cancellationToken);
        if (deltas.Count == 0)
            return;

        var touched = deltas.Keys.ToList();
        var current = await sql.LockTraceRollupsAsync(touched, cancellationToken);
        var updated = new List<TraceRollupRecord>(touched.Count);
        foreach (var (key, delta) in deltas)
        {
            current.TryGetValue(key, out var stored);
            var latency = new SortedDictionary<int, long>();
            LatencyHistogram.AddTo(latency, stored?.Latency);
            foreach (var (bucket, count) in delta.Latency)
                latency[bucket] = latency.GetValueOrDefault(bucket) + count;
            updated.Add(new TraceRollupRecord
            {
                Minute = key.Minute, ProjectId = key.ProjectId, Feature = key.Feature,
                Traces = (stored?.Traces ?? 0) + delta.Traces, Errors = (stored?.Errors ?? 0) + delta.Errors,
                Latency = LatencyHistogram.Format(latency),
            });
        }
        await sql.WriteTraceRollupsAsync(updated, cancellationToken);
    }

    private static void Apply(SortedDictionary<(DateTime, string, string), TraceDelta> deltas, string projectId, TraceContribution contribution, int sign)
    {
        var key = (contribution.Minute, projectId, contribution.Feature);
        if (!deltas.TryGetValue(key, out var delta))
            deltas[key] = delta = new TraceDelta();
        delta.Traces += sign;
        if (contribution.Error)
            delta.Errors += sign;
        if (contribution.Bucket != LatencyHistogram.Untimed)
            delta.Latency[contribution.Bucket] = delta.Latency.GetValueOrDefault(contribution.Bucket) + sign;
    }

    private static async Task AccountScoresAsync(RollupSql sql, List<(string ProjectId, string Id)> keys, CancellationToken cancellationToken)
    {
        var rows = await sql.ReadScoresAsync(keys, cancellationToken);
        var deltas = new SortedDictionary<(DateTime Minute, string ProjectId, string Name), (long Count, double Sum)>(RollupSql.KeyOrder);
        var changed = new List<RollupSql.ScoreMark>();
        foreach (var row in rows)
        {
            ScoreContribution? now = row.Status == "ok" && row.Value is { } value ? new(Minute(row.Timestamp), row.Name, value) : null;
            if (row.Counted == now)
                continue;
            if (row.Counted is { } before)
            {
                var key = (before.Minute, row.ProjectId, before.Name);
                var (count, sum) = deltas.GetValueOrDefault(key);
                deltas[key] = (count - 1, sum - before.Value);
            }
            if (now is not null)
            {
                var key = (now.Minute, row.ProjectId, now.Name);
                var (count, sum) = deltas.GetValueOrDefault(key);
                deltas[key] = (count + 1, sum + now.Value);
            }
            changed.Add(new RollupSql.ScoreMark(row.ProjectId, row.Id, now?.Minute, now?.Name, now?.Value));
        }
        if (changed.Count == 0)
            return;
        await sql.MarkScoresAsync(changed, cancellationToken);
        await sql.AddScoreRollupsAsync(deltas.Where(d => d.Value.Count != 0 || d.Value.Sum != 0)
            .Select(d => new ScoreRollupRecord { Minute = d.Key.Minute, ProjectId = d.Key.ProjectId, Name = d.Key.Name, Count = d.Value.Count, Sum = d.Value.Sum })
            .ToList(), cancellationToken);
    }

    private static async Task AccountGenerationsAsync(RollupSql sql, IReadOnlyList<GenerationRow> rows, CancellationToken cancellationToken)
    {
        var deltas = new SortedDictionary<(DateTime Minute, string ProjectId, int Bucket), (long Generations, long Lookups, long Hits)>(GenerationKeyOrder);
        var changed = new List<RollupSql.GenerationMark>();
        foreach (var row in rows)
        {
            var before = row.Fresh ? null : row.Counted;
            if (before != row.Now)
            {
                if (before is not null)
                    Apply(deltas, row.ProjectId, before, -1);
                if (row.Now is { } now)
                    Apply(deltas, row.ProjectId, now, +1);
            }
            if (row.Counted != row.Now)
                changed.Add(new RollupSql.GenerationMark(row.ProjectId, row.Id, row.Now?.Minute, row.Now?.Bucket, row.Now?.Cache));
        }
        if (changed.Count > 0)
            await sql.MarkGenerationsAsync(changed, cancellationToken);
        if (deltas.Count == 0)
            return;
        await sql.AddGenerationRollupsAsync(deltas.Where(d => d.Value != default)
            .Select(d => new GenerationRollupRecord
            {
                Minute = d.Key.Minute, ProjectId = d.Key.ProjectId, TtftBucket = d.Key.Bucket,
                Generations = d.Value.Generations, CacheLookups = d.Value.Lookups, CacheHits = d.Value.Hits,
            })
            .ToList(), cancellationToken);
    }

    private static void Apply(SortedDictionary<(DateTime, string, int), (long Generations, long Lookups, long Hits)> deltas, string projectId,
        GenerationFacts.Contribution contribution, int sign)
    {
        var key = (contribution.Minute, projectId, contribution.Bucket);
        var (generations, lookups, hits) = deltas.GetValueOrDefault(key);
        deltas[key] = (generations + sign, lookups + (contribution.Cache > GenerationFacts.NoLookup ? sign : 0),
            hits + (contribution.Cache == GenerationFacts.Hit ? sign : 0));
    }

    /// <summary>Generation-rollup keys in the order their upserts take row locks: minute, project (ordinal), TTFT bucket.</summary>
    private static readonly IComparer<(DateTime, string, int)> GenerationKeyOrder = Comparer<(DateTime, string, int)>.Create((a, b) =>
    {
        var byMinute = a.Item1.CompareTo(b.Item1);
        if (byMinute != 0)
            return byMinute;
        var byProject = string.CompareOrdinal(a.Item2, b.Item2);
        return byProject != 0 ? byProject : a.Item3.CompareTo(b.Item3);
    });

    /// <summary>What a stored observation counts for now (null: nothing), and what it was counted with.</summary>
    /// <remarks>A fresh row (inserted by this transaction) counts for nothing yet; its rollup columns hold what its insert guessed.</remarks>
    internal sealed record GenerationRow(string ProjectId, string Id, GenerationFacts.Contribution? Now, GenerationFacts.Contribution? Counted, bool Fresh = false);

    /// <summary>What a stored trace row says now, and what it was counted with.</summary>
    /// <remarks>A fresh row (inserted by this transaction) counts for nothing yet; its rollup columns hold what its insert guessed.</remarks>
    internal sealed record TraceRow(string ProjectId, string Id, DateTime Start, DateTime? End, string Status, string? Feature, TraceContribution? Counted,
        bool Fresh = false);

    internal sealed record ScoreRow(string ProjectId, string Id, DateTime Timestamp, string Name, string Status, double? Value, DateTime? CountedMinute,
        string? CountedName, double? CountedValue)
    {
        public ScoreContribution? Counted => CountedMinute is { } m && CountedName is not null && CountedValue is { } v
            ? new ScoreContribution(DateTime.SpecifyKind(m, DateTimeKind.Utc), CountedName, v)
            : null;
    }
}
