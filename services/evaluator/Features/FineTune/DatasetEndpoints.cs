using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Evaluator.Features.FineTune;

/// <summary><c>/api/datasets</c>: a project's datasets (golden and curated) with their item counts; items of one dataset.</summary>
public static class DatasetEndpoints
{
    public static async Task<IResult> ListAsync(HttpContext context, EvaluatorDbContext db, string? projectId, string? kind, CancellationToken cancellationToken)
    {
        var query = db.Datasets.AsNoTracking();
        if (context.User.ProjectFilter(projectId) is { } only)
            query = query.Where(d => d.ProjectId == only);
        if (!string.IsNullOrEmpty(kind))
            query = query.Where(d => d.Kind == kind);
        var datasets = await query.OrderBy(d => d.ProjectId).ThenBy(d => d.Name).Take(1_000)
            .Select(d => new
            {
                id = d.Id, projectId = d.ProjectId, name = d.Name, kind = d.Kind, description = d.Description, model = d.Model,
                targetCount = d.TargetCount, readyAt = d.ReadyAt, createdAt = d.CreatedAt,
                items = db.DatasetItems.Count(i => i.DatasetId == d.Id),
            })
            .ToListAsync(cancellationToken);
        return Results.Ok(new { data = datasets });
    }

    public static async Task<IResult> ItemsAsync(Guid id, HttpContext context, EvaluatorDbContext db, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1_000)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is from 1 to 1000."] });
        var dataset = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (dataset is null || !context.User.CanAccessProject(dataset.ProjectId))
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No dataset {id}.");
        var items = await db.DatasetItems.AsNoTracking().Where(i => i.DatasetId == id).OrderBy(i => i.CreatedAt).ThenBy(i => i.Id).Take(limit ?? 100)
            .ToListAsync(cancellationToken);
        return Results.Ok(new { dataset = new { id = dataset.Id, name = dataset.Name, kind = dataset.Kind }, data = items.Select(Datasets.GoldenItem.View) });
    }
}
