using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// <c>GET /api/prompt-stats?name&amp;from&amp;to&amp;projectId</c>: per version of one prompt, the observations that used it
/// (requests, failures, tokens) in the window (by their start, default the last 30 days) and the numeric ok scores of
/// their traces (count and mean per score name; a trace with several generations of one version counts its scores
/// once for it). What the Prompts page shows next to each version; its cost comes from the cost-accountant. Scoped like
/// every trace query: a project key sees its own project, the admin key all or one with <c>?projectId=</c>.
/// </summary>
public static class PromptStatsEndpoint
{
    public const string Route = "/api/prompt-stats";
    private const int MaxName = 200;
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(400);

    public sealed record ScoreMean(string Name, int Count, double Mean);

    public sealed record VersionStats(int? Version, int Requests, int Errors, long InputTokens, long OutputTokens, List<ScoreMean> Scores);

    public static async Task HandleAsync(HttpContext context, TraceCollectorDbContext db, TimeProvider clock, string? name, string? from, string? to,
        string? projectId)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxName)
        {
            await ErrorResponses.WriteAsync(context, 400, $"name is the prompt's name (1 to {MaxName} characters).", "invalid_query_parameter", "name");
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var fromValid = QueryTime.TryParse(from, out var fromTime);
        if (!fromValid || !QueryTime.TryParse(to, out var toTime))
        {
            await ErrorResponses.WriteAsync(context, 400, "from and to are ISO-8601 times.", "invalid_query_parameter", fromValid ? "to" : "from");
            return;
        }
        var end = toTime ?? now;
        var start = fromTime ?? end.AddDays(-30);
        if (end <= start || end - start > MaxWindow)
        {
            await ErrorResponses.WriteAsync(context, 400, $"to must be after from, within {MaxWindow.TotalDays} days.", "invalid_query_parameter", "to");
            return;
        }

        var only = context.User.ProjectFilter(projectId);
        var uses = db.Observations.AsNoTracking().Where(o => o.PromptName == name && o.StartTime >= start && o.StartTime < end);
        if (only is not null)
            uses = uses.Where(o => o.ProjectId == only);
        var versions = await uses
            .GroupBy(o => o.PromptVersion)
            .Select(g => new
            {
                Version = g.Key, Requests = g.Count(), Errors = g.Count(o => o.Status == "error"),
                InputTokens = g.Sum(o => o.InputTokens ?? 0), OutputTokens = g.Sum(o => o.OutputTokens ?? 0),
            })
            .ToListAsync(context.RequestAborted);
        var tracesOfVersion = uses.Select(o => new { o.ProjectId, o.TraceId, o.PromptVersion }).Distinct();
        var scores = await (
                from use in tracesOfVersion
                join score in db.Scores.AsNoTracking() on new { use.ProjectId, TraceId = (string?)use.TraceId } equals new { score.ProjectId, score.TraceId }
                where score.Status == "ok" && score.Value != null
                group score by new { use.PromptVersion, score.Name } into g
                select new { g.Key.PromptVersion, g.Key.Name, Count = g.Count(), Mean = g.Average(s => s.Value!.Value) })
            .ToListAsync(context.RequestAborted);

        var data = versions
            .OrderByDescending(v => v.Version ?? -1)
            .Select(v => new VersionStats(v.Version, v.Requests, v.Errors, v.InputTokens, v.OutputTokens,
                [.. scores.Where(s => s.PromptVersion == v.Version).OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => new ScoreMean(s.Name, s.Count, s.Mean))]))
            .ToList();
        // The name is not echoed: a project key asking about another project's prompt learns nothing, not even that it asked.
        await context.Response.WriteAsJsonAsync(new { from = start, to = end, data }, context.RequestAborted);
    }
}
