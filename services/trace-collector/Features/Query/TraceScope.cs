using System.Security.Claims;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// The one rule every query endpoint applies: a project key sees only its own project, whatever it asks for; the
/// admin key sees every project and may narrow to one with <c>?projectId=</c>.
/// </summary>
public static class TraceScope
{
    public static IQueryable<TraceRecord> VisibleTo(this IQueryable<TraceRecord> traces, ClaimsPrincipal caller, string? projectId)
    {
        if (!caller.IsAdmin())
        {
            // A project key without a project (never issued, but cheap to guard) must see nothing rather than everything.
            var own = caller.ProjectIdOf() ?? "";
            return traces.Where(t => t.ProjectId == own);
        }
        return string.IsNullOrEmpty(projectId) ? traces : traces.Where(t => t.ProjectId == projectId);
    }
}
