using System.Text.Json;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Evaluator.Features.Actions;

/// <summary>
/// <c>/api/actions</c>: what the loop controller proposed, newest first, with evidence and the message each path's actor
/// received; a person acknowledges, resolves or dismisses one (who and when are kept). A project key sees its own.
/// </summary>
public static class ActionEndpoints
{
    public sealed record Decision(string? Note);

    public static async Task<IResult> ListAsync(HttpContext context, EvaluatorDbContext db, string? projectId, string? path, string? kind, string? status,
        int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1_000)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is from 1 to 1000."] });
        var query = db.Actions.AsNoTracking();
        if (context.User.ProjectFilter(projectId) is { } only)
            query = query.Where(a => a.ProjectId == only);
        if (!string.IsNullOrEmpty(path))
            query = query.Where(a => a.Path == path);
        if (!string.IsNullOrEmpty(kind))
            query = query.Where(a => a.Kind == kind);
        if (!string.IsNullOrEmpty(status))
            query = query.Where(a => a.Status == status);
        var actions = await query.OrderByDescending(a => a.CreatedAt).Take(limit ?? 100).ToListAsync(cancellationToken);
        return Results.Ok(new { data = actions.Select(View) });
    }

    public static async Task<IResult> GetAsync(Guid id, HttpContext context, EvaluatorDbContext db, CancellationToken cancellationToken)
    {
        var action = await db.Actions.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        return action is null || !context.User.CanAccessProject(action.ProjectId) ? NotFound(id) : Results.Ok(View(action));
    }

    public static Task<IResult> AcknowledgeAsync(Guid id, Decision? decision, HttpContext context, EvaluatorDbContext db, TimeProvider clock,
        CancellationToken cancellationToken) => DecideAsync(id, ActionStatuses.Acknowledged, decision, context, db, clock, cancellationToken);

    public static Task<IResult> ResolveAsync(Guid id, Decision? decision, HttpContext context, EvaluatorDbContext db, TimeProvider clock,
        CancellationToken cancellationToken) => DecideAsync(id, ActionStatuses.Resolved, decision, context, db, clock, cancellationToken);

    public static Task<IResult> DismissAsync(Guid id, Decision? decision, HttpContext context, EvaluatorDbContext db, TimeProvider clock,
        CancellationToken cancellationToken) => DecideAsync(id, ActionStatuses.Dismissed, decision, context, db, clock, cancellationToken);

    private static async Task<IResult> DecideAsync(Guid id, string status, Decision? decision, HttpContext context, EvaluatorDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (decision?.Note is { Length: > 2_000 })
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["note"] = ["A note is at most 2,000 characters."] });
        var action = await db.Actions.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (action is null || !context.User.CanAccessProject(action.ProjectId))
            return NotFound(id);
        if (action.Status is ActionStatuses.Resolved or ActionStatuses.Dismissed)
            return Results.Problem(statusCode: 409, title: "Conflict", detail: $"The action is already {action.Status}.");
        action.Status = status;
        action.Note = decision?.Note ?? action.Note;
        action.UpdatedBy = context.User.KeyIdOf();
        action.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return Results.Ok(View(action));
    }

    private static object View(ActionRecord a) => new
    {
        id = a.Id, projectId = a.ProjectId, path = a.Path, kind = a.Kind, subject = a.Subject, summary = a.Summary, status = a.Status,
        promptName = a.PromptName, promptVersion = a.PromptVersion, model = a.Model, dataSourceId = a.DataSourceId,
        evidence = JsonDocument.Parse(a.Evidence).RootElement.Clone(),
        details = JsonDocument.Parse(a.Details).RootElement.Clone(),
        createdAt = Utc(a.CreatedAt), cooldownUntil = a.CooldownUntil.Year > 9000 ? (DateTime?)null : Utc(a.CooldownUntil),
        updatedAt = Utc(a.UpdatedAt), updatedBy = a.UpdatedBy, note = a.Note,
    };

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static IResult NotFound(Guid id) => Results.Problem(statusCode: 404, title: "Not Found", detail: $"No action {id}.");
}
