using System.Globalization;
using LlmOps.CostAccountant.Features.Costing;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.CostAccountant.Features.Query;

/// <summary>
/// <c>GET /api/costs</c> (totals, tokens and request counts per time bucket and per chosen dimensions) and
/// <c>GET /api/costs/top</c> (the most expensive users, features, prompts, models or keys in a window), read from the
/// per-minute rollups. A project key sees its own project; the admin key all projects, or one with <c>?projectId=</c>.
/// Unpriced requests are counted apart and their models listed, so a model missing from the catalog is visible.
/// </summary>
public static class CostEndpoints
{
    // "project" is only useful to the admin key (a project key's rows all carry its own project), but it is offered to
    // every key: the scoping in Scoped() already decides which projects' rows there are to group.
    private static readonly string[] Dimensions = ["model", "feature", "project", "key", "user", "deployment", "prompt"];
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(400);

    public sealed record Totals(long Requests, long UnpricedRequests, long InputTokens, long OutputTokens, long CachedInputTokens, decimal Cost);

    public sealed record Row(DateTime? Bucket, IReadOnlyDictionary<string, string> Group, Totals Totals);

    public static async Task HandleAsync(HttpContext context, CostAccountantDbContext db, TimeProvider clock, string? from, string? to,
        string? interval, string? groupBy, string? projectId)
    {
        if (await WindowAsync(context, clock, from, to) is not var (start, end))
            return;
        var size = (interval ?? "total") switch
        {
            "minute" => TimeSpan.FromMinutes(1),
            "hour" => TimeSpan.FromHours(1),
            "day" => TimeSpan.FromDays(1),
            "total" => (TimeSpan?)null,
            _ => TimeSpan.Zero,
        };
        if (size == TimeSpan.Zero)
        {
            await ErrorResponses.WriteAsync(context, 400, "interval is minute, hour, day or total.", "invalid_interval");
            return;
        }
        var dimensions = (groupBy ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (dimensions.FirstOrDefault(d => !Dimensions.Contains(d)) is { } unknown)
        {
            await ErrorResponses.WriteAsync(context, 400, $"Unknown groupBy '{unknown}'; use {string.Join(", ", Dimensions)}.", "invalid_group_by");
            return;
        }
        if (size is { } s && (end - start) / s > 10_000)
        {
            await ErrorResponses.WriteAsync(context, 400, "At most 10,000 buckets: widen the interval or narrow the window.", "too_many_buckets");
            return;
        }

        var rollups = await Scoped(db, context, projectId).Where(r => r.Minute >= start && r.Minute < end).ToListAsync(context.RequestAborted);
        var rows = rollups
            .GroupBy(r => (Bucket: size is { } b ? Floor(r.Minute, b) : (DateTime?)null, Group: Group(r, dimensions)))
            .Select(g => new Row(g.Key.Bucket, Parse(g.Key.Group, dimensions), Sum(g)))
            .OrderBy(r => r.Bucket).ThenByDescending(r => r.Totals.Cost)
            .ToList();
        var unpricedModels = await Costs(db, context, projectId)
            .Where(c => !c.Priced && c.OccurredAt >= start && c.OccurredAt < end)
            .Select(c => c.Model).Distinct().Take(100).ToListAsync(context.RequestAborted);
        await context.Response.WriteAsJsonAsync(new
        {
            from = start, to = end, interval = interval ?? "total", groupBy = dimensions, currency = "USD",
            totals = Sum(rollups), unpricedModels, data = rows,
        }, context.RequestAborted);
    }

    public static async Task TopAsync(HttpContext context, CostAccountantDbContext db, TimeProvider clock, string? by, string? from, string? to,
        int? limit, string? projectId)
    {
        if (by is null || !Dimensions.Contains(by))
        {
            await ErrorResponses.WriteAsync(context, 400, $"by is one of {string.Join(", ", Dimensions)}.", "invalid_by");
            return;
        }
        if (limit is < 1 or > 100)
        {
            await ErrorResponses.WriteAsync(context, 400, "limit is 1 to 100.", "invalid_limit");
            return;
        }
        if (await WindowAsync(context, clock, from, to) is not var (start, end))
            return;
        var rollups = await Scoped(db, context, projectId).Where(r => r.Minute >= start && r.Minute < end).ToListAsync(context.RequestAborted);
        var top = rollups.GroupBy(r => Value(r, by)).Where(g => g.Key.Length > 0)
            .Select(g => new { value = g.Key, totals = Sum(g) })
            .OrderByDescending(t => t.totals.Cost).ThenByDescending(t => t.totals.Requests)
            .Take(limit ?? 10).ToList();
        await context.Response.WriteAsJsonAsync(new { from = start, to = end, by, currency = "USD", data = top }, context.RequestAborted);
    }

    private static async Task<(DateTime Start, DateTime End)?> WindowAsync(HttpContext context, TimeProvider clock, string? from, string? to)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        DateTime? Parse(string? text) => text is null ? null
            : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.UtcDateTime : DateTime.MinValue;
        var start = Parse(from) ?? now.AddDays(-1);
        var end = Parse(to) ?? now;
        if (start == DateTime.MinValue || end == DateTime.MinValue)
        {
            await ErrorResponses.WriteAsync(context, 400, "from and to are ISO-8601 times.", "invalid_time");
            return null;
        }
        if (end <= start || end - start > MaxWindow)
        {
            await ErrorResponses.WriteAsync(context, 400, $"to must be after from, within {MaxWindow.TotalDays} days.", "invalid_window");
            return null;
        }
        return (start, end);
    }

    private static IQueryable<CostRollupRecord> Scoped(CostAccountantDbContext db, HttpContext context, string? projectId)
    {
        var only = context.User.ProjectFilter(projectId);
        return only is null ? db.Rollups.AsNoTracking() : db.Rollups.AsNoTracking().Where(r => r.ProjectId == only);
    }

    private static IQueryable<CostRecord> Costs(CostAccountantDbContext db, HttpContext context, string? projectId)
    {
        var only = context.User.ProjectFilter(projectId);
        return only is null ? db.Costs.AsNoTracking() : db.Costs.AsNoTracking().Where(c => c.ProjectId == only);
    }

    private static Totals Sum(IEnumerable<CostRollupRecord> rows)
    {
        long requests = 0, unpriced = 0, input = 0, output = 0, cached = 0, nanos = 0;
        foreach (var r in rows)
        {
            requests += r.Requests;
            unpriced += r.UnpricedRequests;
            input += r.InputTokens;
            output += r.OutputTokens;
            cached += r.CachedInputTokens;
            nanos += r.CostNanos;
        }
        return new Totals(requests, unpriced, input, output, cached, Pricing.Dollars(nanos)!.Value);
    }

    private static DateTime Floor(DateTime minute, TimeSpan size) =>
        DateTime.SpecifyKind(new DateTime(minute.Ticks - minute.Ticks % size.Ticks), DateTimeKind.Utc);

    private static string Group(CostRollupRecord r, string[] dimensions) => string.Join('\u001f', dimensions.Select(d => Value(r, d)));

    private static Dictionary<string, string> Parse(string group, string[] dimensions)
    {
        var values = group.Split('\u001f');
        return dimensions.Select((d, i) => (d, v: i < values.Length ? values[i] : "")).ToDictionary(x => x.d, x => x.v);
    }

    private static string Value(CostRollupRecord r, string dimension) => dimension switch
    {
        "model" => r.Model,
        "feature" => r.Feature,
        "project" => r.ProjectId,
        "key" => r.KeyId,
        "user" => r.UserId,
        "deployment" => r.Deployment,
        "prompt" => r.Prompt,
        _ => "",
    };
}
