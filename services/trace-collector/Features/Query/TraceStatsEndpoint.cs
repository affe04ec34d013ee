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
/// With <c>groupBy=feature|project</c> the trace figures also come per group (<c>groups</c>). Per bucket also the
/// generations' response-cache hit rate and time to first token p50 / p95 (<c>generations</c>, <see cref="GenerationStatsReader"/>). Read from the per-minute
/// rollups (<see cref="TraceStatsReader"/>), so a week costs the same at any traffic; percentiles come from their latency
/// histograms, within 2.2 % of the exact nearest rank (<see cref="Rollups.LatencyHistogram"/>).
/// </summary>
public static class TraceStatsEndpoint
{
    public const string Route = "/api/trace-stats";
    private const int MaxBuckets = 10_000;
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(400);

    public sealed record TimeBucket(DateTime Bucket, int Traces, int Errors, double? ErrorRate, double? LatencyP50Ms,
        double? LatencyP95Ms, double? LatencyP99Ms);

    /// <summary>Generations started in the bucket, the response-cache lookups among them and the hits (hit or semantic hit;
    /// a bypass or no cache is not a lookup), and the time to first token of the streamed ones (<c>ttftCount</c>).</summary>
    public sealed record GenerationBucket(DateTime Bucket, long Generations, long CacheLookups, long CacheHits, double? CacheHitRate,
        long TtftCount, double? TtftP50Ms, double? TtftP95Ms);

    public sealed record ScoreBucket(DateTime Bucket, string Name, int Count, double Mean);

    public sealed record GroupSeries(string Group, List<TimeBucket> Data);

    public static async Task HandleAsync(HttpContext context, TraceCollectorDbContext db, TimeProvider clock, string? from, string? to,
        string? interval, string? projectId, string? groupBy)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var fromValid = QueryTime.TryParse(from, out var fromTime);
        if (!fromValid || !QueryTime.TryParse(to, out var toTime))
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

        var group = groupBy switch
        {
            null or "" => Grouping.None,
            "feature" => Grouping.Feature,
            "project" => Grouping.Project,
            _ => (Grouping?)null,
        };
        if (group is not { } grouping)
        {
            await ErrorResponses.WriteAsync(context, 400, "groupBy is feature or project.", "invalid_query_parameter", "groupBy");
            return;
        }

        var only = context.User.ProjectFilter(projectId);
        var (traceStats, scoreStats) = await TraceStatsReader.ReadAsync(db, only, start, end, step, grouping, context.RequestAborted);
        var generationStats = await GenerationStatsReader.ReadAsync(db, only, start, end, step, context.RequestAborted);
        var generations = generationStats.OrderBy(g => g.Key).Select(g => g.Value.ToBucket(g.Key)).ToList();
        var buckets = traceStats.Where(s => s.Key.Group is null).OrderBy(s => s.Key.Bucket).Select(s => s.Value.ToBucket(s.Key.Bucket)).ToList();
        var series = grouping == Grouping.None
            ? null
            : traceStats.Where(s => s.Key.Group is not null).GroupBy(s => s.Key.Group!).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new GroupSeries(g.Key, [.. g.OrderBy(s => s.Key.Bucket).Select(s => s.Value.ToBucket(s.Key.Bucket))]))
                .ToList();
        var scoreBuckets = scoreStats
            .OrderBy(s => s.Key.Bucket).ThenBy(s => s.Key.Name, StringComparer.Ordinal)
            .Select(s => new ScoreBucket(s.Key.Bucket, s.Key.Name, (int)s.Value.Count, s.Value.Sum / s.Value.Count))
            .ToList();

        await context.Response.WriteAsJsonAsync(new
        {
            from = start, to = end, interval = interval ?? "hour", groupBy = grouping == Grouping.None ? null : groupBy, data = buckets,
            groups = series, scores = scoreBuckets, generations,
        }, context.RequestAborted);
    }
}
