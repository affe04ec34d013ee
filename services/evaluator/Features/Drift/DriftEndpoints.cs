using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Evaluator.Features.Drift;

/// <summary><c>GET /api/drift</c>: the drift signals published, newest first. A project key sees its own project's.</summary>
public static class DriftEndpoints
{
    public static async Task<IResult> ListAsync(HttpContext context, EvaluatorDbContext db, string? projectId, string? kind, int? limit,
        CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1_000)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is from 1 to 1000."] });
        if (!string.IsNullOrEmpty(kind) && kind is not (DriftKinds.Query or DriftKinds.Behaviour or DriftKinds.ServedModel))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = ["kind is query, behaviour or served_model."] });
        var query = db.DriftSignals.AsNoTracking();
        if (context.User.ProjectFilter(projectId) is { } only)
            query = query.Where(s => s.ProjectId == only);
        if (!string.IsNullOrEmpty(kind))
            query = query.Where(s => s.Kind == kind);
        var signals = await query.OrderByDescending(s => s.DetectedAt).Take(limit ?? 100).ToListAsync(cancellationToken);
        return Results.Ok(new { data = signals.Select(View) });
    }

    private static object View(DriftSignalRecord s) => new
    {
        id = s.Id, projectId = s.ProjectId, kind = s.Kind, statistic = s.Statistic, promptName = s.PromptName, promptVersion = s.PromptVersion,
        model = s.Model, value = s.Value, threshold = s.Threshold, baselineFrom = Utc(s.BaselineFrom), baselineTo = Utc(s.BaselineTo),
        currentFrom = Utc(s.CurrentFrom), currentTo = Utc(s.CurrentTo), detail = s.Detail, detectedAt = Utc(s.DetectedAt),
        cooldownUntil = Utc(s.CooldownUntil),
    };

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
