using System.Text.RegularExpressions;
using LlmOps.Contracts.Access;
using LlmOps.InferenceProxy.Infrastructure;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.InferenceProxy.Features.Keys;

/// <summary><c>/api/projects</c> (admin): the unit of isolation for keys, traces, costs and budgets.</summary>
public static partial class ProjectEndpoints
{
    public sealed record CreateProject(string? Id, string Name);

    public sealed record ProjectView(string Id, string Name, DateTime CreatedAt);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex ProjectId();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotSlug();

    public static async Task<IResult> CreateAsync(CreateProject request, KeyRegistry registry, BoundedPublisher publisher,
        ILogger<KeyRegistry> logger, CancellationToken cancellationToken)
    {
        var name = request.Name?.Trim() ?? "";
        var id = string.IsNullOrWhiteSpace(request.Id) ? NotSlug().Replace(name.ToLowerInvariant(), "-").Trim('-') : request.Id;
        var errors = new Dictionary<string, string[]>();
        if (name.Length is 0 or > 200)
            errors["name"] = ["A project needs a name of 1 to 200 characters."];
        if (!ProjectId().IsMatch(id))
            errors["id"] = ["A project id is 1 to 64 lower-case letters, digits and dashes, starting with a letter or digit."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var project = await registry.CreateProjectAsync(id, name, cancellationToken);
        if (project is null)
            return Results.Problem(statusCode: 409, title: "Conflict", detail: $"A project with id '{id}' already exists.");

        await KeyEvents.AnnounceAsync(publisher, new ProjectCreated
        {
            ProjectId = project.Id,
            Name = project.Name,
            CreatedAt = new DateTimeOffset(project.CreatedAt, TimeSpan.Zero),
        }, logger, cancellationToken);
        return Results.Created($"/api/projects/{project.Id}", View(project));
    }

    public static async Task<IResult> ListAsync(InferenceProxyDbContext db, CancellationToken cancellationToken)
    {
        var projects = await db.Projects.AsNoTracking().OrderBy(p => p.Id).ToListAsync(cancellationToken);
        return Results.Ok(new { data = projects.Select(View) });
    }

    private static ProjectView View(ProjectRecord project) =>
        new(project.Id, project.Name, DateTime.SpecifyKind(project.CreatedAt, DateTimeKind.Utc));
}
