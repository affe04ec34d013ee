using LlmOps.ServiceDefaults.Http;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// <c>GET /api/traces/{id}</c>. A project key sees only its own project's traces (another project's trace is a
/// plain 404, so ids leak nothing); the admin key sees every project and may narrow with <c>?projectId=</c>. The trace
/// comes with its observations and every score on it or on one of them.
/// </summary>
public static class GetTraceEndpoint
{
    public static async Task HandleAsync(HttpContext context, string id, string? projectId, TraceCollectorDbContext db)
    {
        if (id.Length is 0 or > 64)
        {
            await ErrorResponses.WriteAsync(context, 400, "A trace id has 1 to 64 characters.", "invalid_trace_id");
            return;
        }

        var trace = await db.Traces.AsNoTracking().VisibleTo(context.User, projectId).Where(t => t.Id == id)
            .OrderBy(t => t.ProjectId).FirstOrDefaultAsync(context.RequestAborted);
        if (trace is null)
        {
            await ErrorResponses.WriteAsync(context, 404, $"No trace with id '{id}'.", "trace_not_found");
            return;
        }

        var observations = db.Observations.AsNoTracking().Where(o => o.ProjectId == trace.ProjectId && o.TraceId == trace.Id);
        var observationList = await observations.ToListAsync(context.RequestAborted);
        // ScoreRecorded may name only the observation, so those are matched by it; both branches stay on the
        // (project_id, trace_id) index (trace_id IS NULL is an index lookup too), never scanning a project's scores.
        var scores = await db.Scores.AsNoTracking()
            .Where(s => s.ProjectId == trace.ProjectId
                && (s.TraceId == trace.Id || (s.TraceId == null && observations.Select(o => o.Id).Contains(s.ObservationId!))))
            .ToListAsync(context.RequestAborted);
        await context.Response.WriteAsJsonAsync(TraceView.From(trace, observationList, scores), context.RequestAborted);
    }
}
