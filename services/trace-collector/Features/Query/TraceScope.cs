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
        var only = caller.ProjectFilter(projectId);
        return only is null ? traces : traces.Where(t => t.ProjectId == only);
    }
}
