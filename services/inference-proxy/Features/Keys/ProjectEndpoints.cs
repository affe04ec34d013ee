using System.Text.RegularExpressions;
using LlmOps.Contracts.Access;
using LlmOps.InferenceProxy.Features.Guardrails;
using LlmOps.InferenceProxy.Infrastructure;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.InferenceProxy.Features.Keys;

/// <summary><c>/api/projects</c> (admin): the unit of isolation for keys, traces, costs and budgets.</summary>
public static partial class ProjectEndpoints
{
    public sealed record CreateProject(string? Id, string Name, bool? CaptureContent, int? CacheTtlSeconds, int? RequestsPerMinute,
        long? TokensPerMinute, List<GuardrailRule>? Guardrails = null, SemanticCacheSettings? SemanticCache = null,
        int? TraceRetentionDays = null, bool? RedactTracePii = null);

    /// <summary>A limit of 0 removes it; absent fields stay as they are; an empty guardrails list removes every rail.</summary>
    public sealed record UpdateProject(string? Name, bool? CaptureContent, int? CacheTtlSeconds, int? RequestsPerMinute, long? TokensPerMinute,
        List<GuardrailRule>? Guardrails = null, SemanticCacheSettings? SemanticCache = null, int? TraceRetentionDays = null,
        bool? RedactTracePii = null);

    public sealed record ProjectView(string Id, string Name, bool CaptureContent, int CacheTtlSeconds, int? RequestsPerMinute,
        long? TokensPerMinute, IReadOnlyList<GuardrailRule> Guardrails, SemanticCacheSettings? SemanticCache, int? TraceRetentionDays,
        bool RedactTracePii, DateTime CreatedAt);

    private const int MaxCacheTtlSeconds = 30 * 24 * 3600;
    private const int MaxRetentionDays = 3_650;

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
        if (request.CacheTtlSeconds is < 0 or > MaxCacheTtlSeconds)
            errors["cacheTtlSeconds"] = [$"0 (no caching) to {MaxCacheTtlSeconds} seconds."];
        if (request.RequestsPerMinute is <= 0 || request.TokensPerMinute is <= 0)
            errors["limits"] = ["Limits must be positive when given."];
        if (request.Guardrails is { } rules && GuardrailSet.Problem(rules) is { } rulesProblem)
            errors["guardrails"] = [rulesProblem];
        if (SemanticProblem(request.SemanticCache) is { } semanticProblem)
            errors["semanticCache"] = [semanticProblem];
        if (request.TraceRetentionDays is < 1 or > MaxRetentionDays)
            errors["traceRetentionDays"] = [$"1 to {MaxRetentionDays} days, or absent to keep traces forever."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var project = await registry.CreateProjectAsync(new ProjectRecord
        {
            Id = id,
            Name = name,
            CaptureContent = request.CaptureContent ?? true,
            CacheTtlSeconds = request.CacheTtlSeconds ?? 0,
            RequestsPerMinute = request.RequestsPerMinute,
            TokensPerMinute = request.TokensPerMinute,
            GuardrailsJson = ProjectJson.Write(request.Guardrails ?? []),
            SemanticCacheJson = ProjectJson.Write(request.SemanticCache),
            TraceRetentionDays = request.TraceRetentionDays,
            RedactTracePii = request.RedactTracePii ?? false,
        }, cancellationToken);
        if (project is null)
            return Results.Problem(statusCode: 409, title: "Conflict", detail: $"A project with id '{id}' already exists.");

        await KeyEvents.AnnounceAsync(publisher, new ProjectCreated
        {
            ProjectId = project.Id,
            Name = project.Name,
            CaptureContent = project.CaptureContent,
            CacheTtlSeconds = project.CacheTtlSeconds,
            RequestsPerMinute = project.RequestsPerMinute,
            TokensPerMinute = project.TokensPerMinute,
            Guardrails = ProjectJson.Guardrails(project.GuardrailsJson),
            SemanticCache = ProjectJson.SemanticCache(project.SemanticCacheJson),
            TraceRetentionDays = project.TraceRetentionDays,
            RedactTracePii = project.RedactTracePii,
            CreatedAt = new DateTimeOffset(project.CreatedAt, TimeSpan.Zero),
        }, logger, cancellationToken);
        return Results.Created($"/api/projects/{project.Id}", View(project));
    }

    /// <summary>
    /// Changes a project. Answers 200 only once the broker confirmed telling every gateway replica (turning capture off
    /// is a privacy decision: the caller must know it holds everywhere); otherwise 503, and repeating the call re-announces.
    /// </summary>
    public static async Task<IResult> UpdateAsync(string id, UpdateProject request, KeyRegistry registry, BoundedPublisher publisher,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request.Name is { } newName && newName.Trim().Length is 0 or > 200)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["A project needs a name of 1 to 200 characters."] });
        if (request.CacheTtlSeconds is < 0 or > MaxCacheTtlSeconds)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["cacheTtlSeconds"] = [$"0 (no caching) to {MaxCacheTtlSeconds} seconds."] });
        if (request.RequestsPerMinute is < 0 || request.TokensPerMinute is < 0)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limits"] = ["Limits are positive, or 0 to remove them."] });
        if (request.Guardrails is { } rules && GuardrailSet.Problem(rules) is { } rulesProblem)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["guardrails"] = [rulesProblem] });
        if (SemanticProblem(request.SemanticCache) is { } semanticProblem)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["semanticCache"] = [semanticProblem] });
        if (request.TraceRetentionDays is < 0 or > MaxRetentionDays)
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["traceRetentionDays"] = [$"1 to {MaxRetentionDays} days, or 0 to keep traces forever."],
            });
        var project = await registry.UpdateProjectAsync(id, project =>
        {
            project.Name = request.Name?.Trim() ?? project.Name;
            project.CaptureContent = request.CaptureContent ?? project.CaptureContent;
            project.CacheTtlSeconds = request.CacheTtlSeconds ?? project.CacheTtlSeconds;
            if (request.RequestsPerMinute is { } rpm)
                project.RequestsPerMinute = rpm == 0 ? null : rpm;
            if (request.TokensPerMinute is { } tpm)
                project.TokensPerMinute = tpm == 0 ? null : tpm;
            if (request.Guardrails is { } guardrails)
                project.GuardrailsJson = ProjectJson.Write(guardrails);
            if (request.SemanticCache is { } semantic)
                project.SemanticCacheJson = ProjectJson.Write(semantic);
            if (request.TraceRetentionDays is { } days)
                project.TraceRetentionDays = days == 0 ? null : days;
            project.RedactTracePii = request.RedactTracePii ?? project.RedactTracePii;
        }, cancellationToken);
        if (project is null)
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No project with id '{id}'.");
        try
        {
            await publisher.PublishAsync(new ProjectUpdated
            {
                ProjectId = project.Id,
                Name = project.Name,
                CaptureContent = project.CaptureContent,
                CacheTtlSeconds = project.CacheTtlSeconds,
                RequestsPerMinute = project.RequestsPerMinute,
                TokensPerMinute = project.TokensPerMinute,
                Guardrails = ProjectJson.Guardrails(project.GuardrailsJson),
                SemanticCache = ProjectJson.SemanticCache(project.SemanticCacheJson),
                TraceRetentionDays = project.TraceRetentionDays,
                RedactTracePii = project.RedactTracePii,
                UpdatedAt = clock.GetUtcNow(),
            }, cancellationToken);
        }
        catch (TimeoutException)
        {
            return Results.Problem(statusCode: 503, title: "Service Unavailable",
                detail: "The change is saved and applies in this gateway, but the broker did not confirm telling the others. Repeat the request.");
        }
        return Results.Ok(View(project));
    }

    public static async Task<IResult> ListAsync(InferenceProxyDbContext db, CancellationToken cancellationToken)
    {
        var projects = await db.Projects.AsNoTracking().OrderBy(p => p.Id).ToListAsync(cancellationToken);
        return Results.Ok(new { data = projects.Select(View) });
    }

    private static ProjectView View(ProjectRecord project) =>
        new(project.Id, project.Name, project.CaptureContent, project.CacheTtlSeconds, project.RequestsPerMinute, project.TokensPerMinute,
            ProjectJson.Guardrails(project.GuardrailsJson), ProjectJson.SemanticCache(project.SemanticCacheJson), project.TraceRetentionDays,
            project.RedactTracePii, DateTime.SpecifyKind(project.CreatedAt, DateTimeKind.Utc));

    private static string? SemanticProblem(SemanticCacheSettings? settings) => settings switch
    {
        null => null,
        { Threshold: < 0.5 or > 1 } => "The threshold is a cosine similarity between 0.5 and 1.",
        { MaxMessages: < 1 or > 64 } => "maxMessages is 1 to 64.",
        { EmbeddingModel: { } model } when model.Length is 0 or > 200 => "The embedding model is a model name of 1 to 200 characters, or null for the built-in embedder.",
        _ => null,
    };
}
