using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// <c>GET /api/traces/{id}</c>. A project key sees only its own project's traces (another project's trace is a
/// plain 404, so ids leak nothing); the admin key sees every project and may narrow with <c>?projectId=</c>.
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

        var caller = context.User;
        var query = db.Traces.AsNoTracking().Where(t => t.Id == id);
        if (!caller.IsAdmin())
            query = query.Where(t => t.ProjectId == caller.ProjectIdOf());
        else if (!string.IsNullOrEmpty(projectId))
            query = query.Where(t => t.ProjectId == projectId);

        var trace = await query.OrderBy(t => t.ProjectId).FirstOrDefaultAsync(context.RequestAborted);
        if (trace is null)
        {
            await ErrorResponses.WriteAsync(context, 404, $"No trace with id '{id}'.", "trace_not_found");
            return;
        }

        var observations = await db.Observations.AsNoTracking()
            .Where(o => o.ProjectId == trace.ProjectId && o.TraceId == trace.Id)
            .ToListAsync(context.RequestAborted);
        await context.Response.WriteAsJsonAsync(TraceView.From(trace, observations), context.RequestAborted);
    }
}
