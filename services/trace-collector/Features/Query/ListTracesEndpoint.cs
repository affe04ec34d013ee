using LlmOps.ServiceDefaults.Http;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// <c>GET /api/traces</c>: the caller's traces newest first, filtered by the query string (<see cref="TraceListQuery"/>),
/// a page at a time. Pages are keyed on (start time, id, project), all descending: the next page starts strictly
/// after the last item's key, so traces that tie on start time are neither skipped nor repeated.
/// </summary>
public static class ListTracesEndpoint
{
    public sealed record TracePage(IReadOnlyList<TraceSummary> Data, string? NextCursor);

    public static async Task HandleAsync(HttpContext context, [AsParameters] TraceListParameters parameters, TraceCollectorDbContext db)
    {
        if (!TraceListQuery.TryParse(parameters, out var query, out var error))
        {
            await ErrorResponses.WriteAsync(context, 400, error.Message, "invalid_query_parameter", error.Parameter);
            return;
        }

        var traces = query.Apply(db.Traces.AsNoTracking().VisibleTo(context.User, parameters.ProjectId), db);
        if (query.Cursor is { } cursor)
        {
            var (start, id, project) = (cursor.StartTime, cursor.Id, cursor.ProjectId);
            traces = traces.Where(t => t.StartTime < start
                || (t.StartTime == start && (string.Compare(t.Id, id) < 0
                    || (t.Id == id && string.Compare(t.ProjectId, project) < 0))));
        }

        // One more than the page tells whether there is a next page without counting.
        var page = await TraceSummaries.LoadAsync(
            traces.OrderByDescending(t => t.StartTime).ThenByDescending(t => t.Id).ThenByDescending(t => t.ProjectId).Take(query.Limit + 1),
            db, context.RequestAborted);
        string? next = null;
        if (page.Count > query.Limit)
        {
            page.RemoveAt(page.Count - 1);
            var last = page[^1];
            next = TraceCursor.After(last.StartTime, last.Id, last.ProjectId).Encode();
        }
        await context.Response.WriteAsJsonAsync(new TracePage(page, next), context.RequestAborted);
    }
}
