using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmOps.InferenceProxy.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Prompts;

/// <summary>
/// <c>/api/prompts</c>: a project key manages its own project's prompts; the admin key any project's (<c>?projectId=</c>,
/// the default project otherwise).
/// </summary>
public static partial class PromptEndpoints
{
    public sealed record MessageInput(string Role, string Content);

    public sealed record CreateVersion(List<MessageInput>? Messages, string? Model, JsonObject? Parameters, JsonNode? ResponseSchema,
        string? CommitMessage, List<string>? Labels);

    public sealed record MoveLabel(int? Version, List<SplitPart>? Split, string? Reason);

    public sealed record ReasonBody(string? Reason);

    public sealed record SetPolicy(string Policy);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex PromptName();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex LabelName();

    private static readonly string[] Roles = ["system", "developer", "user", "assistant"];

    public static string ProjectOf(HttpContext context, string? projectId, IOptions<AuthOptions> auth) => context.User.ActingProjectId(auth, projectId);

    private static string Actor(HttpContext context) => context.User.KeyIdOf() ?? "unknown";

    public static async Task<IResult> CreateVersionAsync(string name, CreateVersion request, string? projectId, HttpContext context,
        PromptRegistry registry, IOptions<AuthOptions> auth, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!PromptName().IsMatch(name))
            errors["name"] = ["A prompt name is 1 to 128 letters, digits, dots, dashes and underscores."];
        if (request.Messages is not { Count: > 0 } messages || messages.Any(m => !Roles.Contains(m.Role) || m.Content is null))
            errors["messages"] = [$"At least one message, each with a role ({string.Join(", ", Roles)}) and content."];
        if (request.Labels?.FirstOrDefault(l => !LabelName().IsMatch(l) || l == PromptSnapshot.LatestLabel) is { } badLabel)
            errors["labels"] = [$"'{badLabel}' is not a label that can be set."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var project = ProjectOf(context, projectId, auth);
        var actor = Actor(context);
        var version = await registry.CreateVersionAsync(project, name, new PromptRegistry.NewVersion(
            request.Messages!.Select(m => new PromptMessage(m.Role, m.Content)).ToList(),
            request.Model, request.Parameters, request.ResponseSchema, request.CommitMessage), actor, cancellationToken);
        foreach (var label in request.Labels ?? [])
            await registry.MoveLabelAsync(project, name, label, new LabelTarget(version.Version, null), actor, request.CommitMessage, null, cancellationToken);
        return Results.Created($"/api/prompts/{name}/versions/{version.Version}", new
        {
            name,
            version = version.Version,
            variables = PromptResolver.Variables(request.Messages!.Select(m => new PromptMessage(m.Role, m.Content))),
        });
    }

    public static IResult List(string? projectId, HttpContext context, InferenceProxyDbContext db, PromptCache cache, IOptions<AuthOptions> auth)
    {
        var project = ProjectOf(context, projectId, auth);
        var names = db.Prompts.AsNoTracking().Where(p => p.ProjectId == project).Select(p => p.Name).OrderBy(n => n).ToList();
        return Results.Ok(new
        {
            data = names.Select(n => cache.Get(project, n)).OfType<PromptSnapshot>().Select(p => new
            {
                name = p.Name,
                policy = p.Policy,
                latestVersion = p.Latest,
                labels = p.Labels,
            }),
        });
    }

    public static IResult Get(string name, string? projectId, HttpContext context, PromptCache cache, IOptions<AuthOptions> auth)
    {
        var prompt = cache.Get(ProjectOf(context, projectId, auth), name);
        if (prompt is null)
            return NotFound(name);
        return Results.Ok(new
        {
            name = prompt.Name,
            policy = prompt.Policy,
            labels = prompt.Labels.Append(new(PromptSnapshot.LatestLabel, prompt.Label(PromptSnapshot.LatestLabel)!)).ToDictionary(),
            versions = prompt.Versions.Values.OrderBy(v => v.Version).Select(v => new
            {
                version = v.Version,
                model = v.Model,
                commitMessage = v.CommitMessage,
                author = v.Author,
                createdAt = v.CreatedAt,
                variables = PromptResolver.Variables(v.Messages),
            }),
        });
    }

    public static IResult GetVersion(string name, int version, string? projectId, HttpContext context, PromptCache cache, IOptions<AuthOptions> auth)
    {
        var prompt = cache.Get(ProjectOf(context, projectId, auth), name);
        return prompt is not null && prompt.Versions.TryGetValue(version, out var found)
            ? Results.Ok(found)
            : Results.Problem(statusCode: 404, title: "Not Found", detail: $"Prompt '{name}' has no version {version}.");
    }

    public static async Task<IResult> MoveLabelAsync(string name, string label, MoveLabel request, string? projectId, HttpContext context,
        PromptRegistry registry, IOptions<AuthOptions> auth, CancellationToken cancellationToken)
    {
        if (!LabelName().IsMatch(label))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["label"] = ["1 to 64 letters, digits, dots, dashes and underscores."] });
        LabelTarget target;
        if (request.Version is { } version && request.Split is null)
            target = new LabelTarget(version, null);
        else if (request.Version is null && request.Split is { Count: >= 2 } split
                 && split.All(p => p.Weight > 0) && split.Select(p => p.Version).Distinct().Count() == split.Count)
            target = new LabelTarget(null, split);
        else
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["target"] = ["Give either a version, or a split of two or more distinct versions with positive weights."],
            });

        var error = await registry.MoveLabelAsync(ProjectOf(context, projectId, auth), name, label, target, Actor(context), request.Reason, null, cancellationToken);
        return error is null
            ? Results.Ok(new { name, label, target })
            : error.StartsWith("No prompt", StringComparison.Ordinal) ? NotFound(name) : Results.Problem(statusCode: 400, title: "Bad Request", detail: error);
    }

    public static async Task<IResult> UndoAsync(string name, string label, ReasonBody? request, string? projectId, HttpContext context,
        PromptRegistry registry, PromptCache cache, IOptions<AuthOptions> auth, CancellationToken cancellationToken)
    {
        var project = ProjectOf(context, projectId, auth);
        var error = await registry.UndoAsync(project, name, label, Actor(context), request?.Reason, cancellationToken);
        return error is null
            ? Results.Ok(new { name, label, target = cache.Get(project, name)?.Label(label) })
            : Results.Problem(statusCode: 409, title: "Conflict", detail: error);
    }

    public static async Task<IResult> HistoryAsync(string name, string? label, string? projectId, HttpContext context, InferenceProxyDbContext db,
        IOptions<AuthOptions> auth, CancellationToken cancellationToken)
    {
        var project = ProjectOf(context, projectId, auth);
        var query = db.PromptLabelEvents.AsNoTracking().Where(e => e.ProjectId == project && e.Name == name);
        if (!string.IsNullOrEmpty(label))
            query = query.Where(e => e.Label == label);
        var moves = await query.OrderByDescending(e => e.At).Take(500).ToListAsync(cancellationToken);
        return Results.Ok(new
        {
            data = moves.Select(e => new
            {
                e.Label,
                from = e.FromTarget is null ? null : LabelTarget.FromJson(e.FromTarget),
                to = LabelTarget.FromJson(e.ToTarget),
                e.Actor,
                e.Reason,
                e.ActionId,
                at = DateTime.SpecifyKind(e.At, DateTimeKind.Utc),
            }),
        });
    }

    public static async Task<IResult> SetPolicyAsync(string name, SetPolicy request, string? projectId, HttpContext context, PromptRegistry registry,
        IOptions<AuthOptions> auth, CancellationToken cancellationToken)
    {
        if (request.Policy is not (PromptPolicies.Auto or PromptPolicies.Approval))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["policy"] = ["'auto' or 'approval'."] });
        return await registry.SetPolicyAsync(ProjectOf(context, projectId, auth), name, request.Policy, Actor(context), cancellationToken)
            ? Results.Ok(new { name, policy = request.Policy })
            : NotFound(name);
    }

    public static async Task<IResult> ActionsAsync(string name, string? status, string? projectId, HttpContext context, InferenceProxyDbContext db,
        IOptions<AuthOptions> auth, CancellationToken cancellationToken)
    {
        var project = ProjectOf(context, projectId, auth);
        var query = db.PromptActions.AsNoTracking().Where(a => a.ProjectId == project && a.Name == name);
        if (status != "all")
            query = query.Where(a => a.Status == (status ?? PromptActionStatuses.Pending));
        var actions = await query.OrderByDescending(a => a.CreatedAt).Take(500).ToListAsync(cancellationToken);
        return Results.Ok(new
        {
            data = actions.Select(a => new
            {
                a.ActionId,
                a.Label,
                a.FromVersion,
                a.ToVersion,
                a.Reason,
                evidence = JsonNode.Parse(a.Evidence),
                a.Status,
                a.DecidedBy,
                a.DecisionReason,
                createdAt = DateTime.SpecifyKind(a.CreatedAt, DateTimeKind.Utc),
                decidedAt = a.DecidedAt is { } d ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : (DateTime?)null,
            }),
        });
    }

    public static async Task<IResult> DecideAsync(string name, Guid actionId, string decision, ReasonBody? request, string? projectId, HttpContext context,
        PromptRegistry registry, IOptions<AuthOptions> auth, CancellationToken cancellationToken)
    {
        if (decision is not ("approve" or "reject"))
            return Results.Problem(statusCode: 404, title: "Not Found", detail: "Decide with /approve or /reject.");
        var error = await registry.DecideAsync(ProjectOf(context, projectId, auth), name, actionId, decision == "approve", Actor(context), request?.Reason,
            cancellationToken);
        return error switch
        {
            null => Results.Ok(new { actionId, decision }),
            "not_found" => Results.Problem(statusCode: 404, title: "Not Found", detail: $"No action {actionId} for prompt '{name}'."),
            _ => Results.Problem(statusCode: 409, title: "Conflict", detail: error),
        };
    }

    private static IResult NotFound(string name) =>
        Results.Problem(statusCode: 404, title: "Not Found", detail: $"No prompt named '{name}' in this project.");
}
