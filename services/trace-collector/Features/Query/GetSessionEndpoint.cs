using LlmOps.ServiceDefaults.Http;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// <c>GET /api/sessions/{id}</c>: one session's traces, oldest first, with totals over the whole session. A session
/// belongs to one project: a project key sees its own (another project's session is a plain 404); the admin key may
/// name the project with <c>?projectId=</c>, else gets the first project (by id) that has the session, as for traces.
/// </summary>
public static class GetSessionEndpoint
{
    /// <summary>Traces listed per session; the totals still count them all and <c>truncated</c> says so.</summary>
    public const int MaxTraces = 1000;

    public sealed record SessionView(
        string Id,
        string ProjectId,
        int TraceCount,
        long TotalInputTokens,
        long TotalOutputTokens,
        DateTime FirstTime,
        DateTime LastTime,
        IReadOnlyList<string> Users,
        bool Truncated,
        IReadOnlyList<TraceSummary> Traces);

    public static async Task HandleAsync(HttpContext context, string id, string? projectId, TraceCollectorDbContext db)
    {
        var cancellationToken = context.RequestAborted;
        var project = await db.Traces.AsNoTracking().VisibleTo(context.User, projectId)
            .Where(t => t.SessionId == id).OrderBy(t => t.ProjectId).Select(t => t.ProjectId)
            .FirstOrDefaultAsync(cancellationToken);
        if (project is null)
        {
            await ErrorResponses.WriteAsync(context, 404, $"No session with id '{id}'.", "session_not_found");
            return;
        }

        var traces = db.Traces.AsNoTracking().Where(t => t.ProjectId == project && t.SessionId == id);
        var totals = await traces.GroupBy(t => t.SessionId)
            .Select(g => new { Count = g.Count(), First = g.Min(t => t.StartTime), Last = g.Max(t => t.EndTime ?? t.StartTime) })
            .SingleAsync(cancellationToken);
        var tokens = await db.Observations.AsNoTracking()
            .Where(o => o.ProjectId == project && traces.Select(t => t.Id).Contains(o.TraceId))
            .GroupBy(o => o.ProjectId)
            .Select(g => new { Input = g.Sum(o => o.InputTokens ?? 0), Output = g.Sum(o => o.OutputTokens ?? 0) })
            .SingleOrDefaultAsync(cancellationToken);
        var users = await traces.Where(t => t.UserId != null).Select(t => t.UserId!).Distinct().OrderBy(u => u)
            .ToListAsync(cancellationToken);
        var summaries = await TraceSummaries.LoadAsync(traces.OrderBy(t => t.StartTime).ThenBy(t => t.Id).Take(MaxTraces),
            db, cancellationToken);

        await context.Response.WriteAsJsonAsync(new SessionView(id, project, totals.Count, tokens?.Input ?? 0, tokens?.Output ?? 0,
            TraceView.AsUtc(totals.First), TraceView.AsUtc(totals.Last), users, totals.Count > summaries.Count, summaries),
            cancellationToken);
    }
}
