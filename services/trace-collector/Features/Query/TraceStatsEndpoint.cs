using System.Globalization;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// <c>GET /api/trace-stats?from&amp;to&amp;interval=minute|hour|day&amp;projectId</c>: per time bucket, the traces that
/// started in it, how many failed, and their latency p50 / p95 / p99 (nearest rank, finished traces only); and per
/// bucket and score name, how many scores were recorded and their mean (numeric scores with status ok). What the
/// dashboard's Overview plots. A project key sees its own project; the admin key all, or one with <c>?projectId=</c>.
/// Two narrow queries: three columns of the traces (percentiles need every latency) and the scores' counts and sums per
/// bucket and name (grouped by SQLite itself in the embedded store; read and grouped here on PostgreSQL).
/// </summary>
public static class TraceStatsEndpoint
{
    public const string Route = "/api/trace-stats";
    private const int MaxBuckets = 10_000;
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(400);

    public sealed record TimeBucket(DateTime Bucket, int Traces, int Errors, double? ErrorRate, double? LatencyP50Ms,
        double? LatencyP95Ms, double? LatencyP99Ms);

    public sealed record ScoreBucket(DateTime Bucket, string Name, int Count, double Mean);

    public static async Task HandleAsync(HttpContext context, TraceCollectorDbContext db, TimeProvider clock, string? from, string? to,
        string? interval, string? projectId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var fromValid = TryTime(from, out var fromTime);
        if (!fromValid || !TryTime(to, out var toTime))
        {
            await ErrorResponses.WriteAsync(context, 400, "from and to are ISO-8601 times.", "invalid_query_parameter", fromValid ? "to" : "from");
            return;
        }
        var start = fromTime ?? now.AddDays(-1);
        var end = toTime ?? now;
        if (end <= start || end - start > MaxWindow)
        {
            await ErrorResponses.WriteAsync(context, 400, $"to must be after from, within {MaxWindow.TotalDays} days.", "invalid_query_parameter", "to");
            return;
        }
        TimeSpan? size = (interval ?? "hour") switch
        {
            "minute" => TimeSpan.FromMinutes(1),
            "hour" => TimeSpan.FromHours(1),
            "day" => TimeSpan.FromDays(1),
            _ => null,
        };
        if (size is not { } step)
        {
            await ErrorResponses.WriteAsync(context, 400, "interval is minute, hour or day.", "invalid_query_parameter", "interval");
            return;
        }
        if ((end - start) / step > MaxBuckets)
        {
            await ErrorResponses.WriteAsync(context, 400, "At most 10,000 buckets: widen the interval or narrow the window.", "invalid_query_parameter", "interval");
            return;
        }

        var only = context.User.ProjectFilter(projectId);
        var traces = db.Traces.AsNoTracking().VisibleTo(context.User, projectId).Where(t => t.StartTime >= start && t.StartTime < end);
        var rows = await traces.Select(t => new { t.StartTime, t.EndTime, t.Status }).ToListAsync(context.RequestAborted);
        var buckets = rows
            .GroupBy(r => Floor(r.StartTime, step))
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var latencies = g.Where(r => r.EndTime is not null).Select(r => (r.EndTime!.Value - r.StartTime).TotalMilliseconds)
                    .Where(ms => ms >= 0).Order().ToArray();
                var errors = g.Count(r => r.Status == "error");
                var count = g.Count();
                return new TimeBucket(g.Key, count, errors, count == 0 ? null : (double)errors / count,
                    Percentile(latencies, 50), Percentile(latencies, 95), Percentile(latencies, 99));
            })
            .ToList();

        var scoreBuckets = db.Database.IsSqlite()
            ? await SqliteScoreBucketsAsync(db, only, start, end, step, context.RequestAborted)
            : await ScoreBucketsAsync(db, only, start, end, step, context.RequestAborted);

        await context.Response.WriteAsJsonAsync(new
        {
            from = start, to = end, interval = interval ?? "hour", data = buckets, scores = scoreBuckets,
        }, context.RequestAborted);
    }

    private static async Task<List<ScoreBucket>> ScoreBucketsAsync(TraceCollectorDbContext db, string? only, DateTime start, DateTime end,
        TimeSpan step, CancellationToken cancellationToken)
    {
        var scores = db.Scores.AsNoTracking().Where(s => s.Timestamp >= start && s.Timestamp < end && s.Status == "ok" && s.Value != null);
        if (only is not null)
            scores = scores.Where(s => s.ProjectId == only);
        var scoreRows = await scores.Select(s => new { s.Timestamp, s.Name, s.Value }).ToListAsync(cancellationToken);
        return scoreRows
            .GroupBy(s => (Bucket: Floor(s.Timestamp, step), s.Name))
            .OrderBy(g => g.Key.Bucket).ThenBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => new ScoreBucket(g.Key.Bucket, g.Key.Name, g.Count(), g.Average(s => s.Value!.Value)))
            .ToList();
    }

    public sealed record ScoreSum(string Name, string Bucket, int Count, double Sum);

    /// <summary>
    /// The embedded store groups the scores itself: EF keeps a SQLite DateTime as <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c> text, so
    /// the first 10, 13 or 16 characters are its day, hour or minute. A week of 200,000 scores then arrives as a few hundred
    /// sums instead of every row (the rows cost far more to read into objects than to scan).
    /// </summary>
    private static async Task<List<ScoreBucket>> SqliteScoreBucketsAsync(TraceCollectorDbContext db, string? only, DateTime start, DateTime end,
        TimeSpan step, CancellationToken cancellationToken)
    {
        var (length, format) = step >= TimeSpan.FromDays(1) ? (10, "yyyy-MM-dd") : step >= TimeSpan.FromHours(1) ? (13, "yyyy-MM-dd HH") : (16, "yyyy-MM-dd HH:mm");
        static string Text(DateTime time) => time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
        var sql = $"SELECT name AS Name, substr(timestamp, 1, {length}) AS Bucket, count(*) AS Count, sum(value) AS Sum FROM " +
                  $"{db.Database.Table(TraceCollectorDbContext.Schema, "scores")} WHERE timestamp >= {{0}} AND timestamp < {{1}} AND status = 'ok' " +
                  $"AND value IS NOT NULL{(only is null ? "" : " AND project_id = {2}")} GROUP BY 1, 2";
        object[] parameters = only is null ? [Text(start), Text(end)] : [Text(start), Text(end), only];
        var sums = await db.Database.SqlQueryRaw<ScoreSum>(sql, parameters).ToListAsync(cancellationToken);
        return sums
            .Select(s => (Bucket: DateTime.SpecifyKind(DateTime.ParseExact(s.Bucket, format, CultureInfo.InvariantCulture), DateTimeKind.Utc), s))
            .OrderBy(x => x.Bucket).ThenBy(x => x.s.Name, StringComparer.Ordinal)
            .Select(x => new ScoreBucket(x.Bucket, x.s.Name, x.s.Count, x.s.Sum / x.s.Count))
            .ToList();
    }

    /// <summary>Nearest rank: the smallest value with at least p % of the values at or below it.</summary>
    internal static double? Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
            return null;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    private static DateTime Floor(DateTime time, TimeSpan size) =>
        DateTime.SpecifyKind(new DateTime(time.Ticks - time.Ticks % size.Ticks), DateTimeKind.Utc);

    private static bool TryTime(string? text, out DateTime? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
            return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            return false;
        value = parsed.UtcDateTime;
        return true;
    }
}
