using System.Text.Json;
using System.Text.RegularExpressions;
using LlmOps.Evaluator.Features.Online;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Configuration;

/// <summary>
/// <c>/api/evaluators</c>: a project key manages its own project's evaluators; the admin key any project's
/// (<c>?projectId=</c>, the default project otherwise). <c>/api/evaluators/status</c> shows whether online evaluation keeps up.
/// </summary>
public static partial class EvaluatorEndpoints
{
    public sealed record EvaluatorInput(string? Name, string? Kind, string? Method, JsonElement? Settings, string? PromptName, string? Model,
        string? Feature, double? SamplingRate, string? JudgeDeployment, string? RubricVersion, bool? Enabled);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$")]
    private static partial Regex EvaluatorName();

    public static string ProjectOf(HttpContext context, string? projectId, IOptions<AuthOptions> auth) => context.User.ActingProjectId(auth, projectId);

    public static async Task<IResult> ListAsync(string? projectId, HttpContext context, EvaluatorDbContext db, IOptions<AuthOptions> auth,
        IOptions<EvaluatorOptions> options, CancellationToken cancellationToken)
    {
        var project = ProjectOf(context, projectId, auth);
        var records = await db.Evaluators.AsNoTracking().Where(e => e.ProjectId == project).OrderBy(e => e.Name).ToListAsync(cancellationToken);
        return Results.Ok(new
        {
            projectId = project,
            // What runs when nothing is configured, so nobody wonders where the default scores come from.
            usingDefaults = records.Count == 0 && options.Value.DefaultEvaluators,
            defaults = records.Count == 0 && options.Value.DefaultEvaluators ? EvaluatorCatalog.Defaults(project).Select(d => d.Kind).ToArray() : [],
            data = records.Select(View),
        });
    }

    public static async Task<IResult> GetAsync(Guid id, HttpContext context, EvaluatorDbContext db, CancellationToken cancellationToken)
    {
        var record = await db.Evaluators.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        return record is null || !context.User.CanAccessProject(record.ProjectId) ? NotFound(id) : Results.Ok(View(record));
    }

    public static async Task<IResult> CreateAsync(EvaluatorInput input, string? projectId, HttpContext context, EvaluatorDbContext db,
        EvaluatorCatalog catalog, IOptions<AuthOptions> auth, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = Validate(input, creating: true);
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);
        var project = ProjectOf(context, projectId, auth);
        if (await db.Evaluators.AnyAsync(e => e.ProjectId == project && e.Name == input.Name, cancellationToken))
            return Results.Problem(statusCode: 409, title: "Conflict", detail: $"Project {project} already has an evaluator named {input.Name}.");
        var now = clock.GetUtcNow().UtcDateTime;
        var record = new EvaluatorRecord
        {
            Id = Guid.CreateVersion7(),
            ProjectId = project,
            Name = input.Name!,
            Kind = input.Kind!,
            Method = MethodOf(input),
            CreatedAt = now,
        };
        Apply(record, input, now);
        db.Evaluators.Add(record);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return Results.Problem(statusCode: 409, title: "Conflict", detail: $"Project {project} already has an evaluator named {input.Name}.");
        }
        await catalog.ReloadAsync(cancellationToken);
        return Results.Created($"/api/evaluators/{record.Id}", View(record));
    }

    public static async Task<IResult> UpdateAsync(Guid id, EvaluatorInput input, HttpContext context, EvaluatorDbContext db, EvaluatorCatalog catalog,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var record = await db.Evaluators.SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (record is null || !context.User.CanAccessProject(record.ProjectId))
            return NotFound(id);
        if (input.Name is not null && input.Name != record.Name || input.Kind is not null && input.Kind != record.Kind)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["An evaluator's name and kind are fixed; create another one."] });
        var merged = input with
        {
            Name = record.Name,
            Kind = record.Kind,
            Method = input.Method ?? record.Method,
            Settings = input.Settings ?? (record.Settings is null ? null : JsonDocument.Parse(record.Settings).RootElement.Clone()),
        };
        var errors = Validate(merged, creating: false);
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);
        Apply(record, merged, clock.GetUtcNow().UtcDateTime);
        record.Version++;
        await db.SaveChangesAsync(cancellationToken);
        await catalog.ReloadAsync(cancellationToken);
        return Results.Ok(View(record));
    }

    public static async Task<IResult> DeleteAsync(Guid id, HttpContext context, EvaluatorDbContext db, EvaluatorCatalog catalog, CancellationToken cancellationToken)
    {
        var record = await db.Evaluators.SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (record is null || !context.User.CanAccessProject(record.ProjectId))
            return NotFound(id);
        db.Evaluators.Remove(record);
        await db.SaveChangesAsync(cancellationToken);
        await catalog.ReloadAsync(cancellationToken);
        return Results.NoContent();
    }

    /// <summary>This replica's online evaluation: backlog, lag, whether it is stalled (also metrics: llmops.evaluator.*).</summary>
    public static IResult Status([FromKeyedServices(EvaluationProgress.LexicalLane)] EvaluationProgress lexical,
        [FromKeyedServices(EvaluationProgress.JudgeLane)] EvaluationProgress judge, EvaluatorCatalog catalog) =>
        Results.Ok(new
        {
            replica = Environment.MachineName,
            configurationLoadedAt = catalog.LoadedAt,
            stalled = lexical.Stalled || judge.Stalled,
            online = lexical.Snapshot(),
            judges = judge.Snapshot(),
        });

    private static Dictionary<string, string[]> Validate(EvaluatorInput input, bool creating)
    {
        var errors = new Dictionary<string, string[]>();
        if (creating && (input.Name is null || !EvaluatorName().IsMatch(input.Name)))
            errors["name"] = ["A name is 1 to 100 lower-case letters, digits, dots, dashes and underscores."];
        if (input.Kind is null || !EvaluatorKinds.All.Contains(input.Kind))
            errors["kind"] = [$"kind is one of {string.Join(", ", EvaluatorKinds.All)}."];
        else if (EvaluatorKinds.Compile(input.Kind, input.Settings) is { Problem: { } problem })
            errors["settings"] = [problem];
        var method = MethodOf(input);
        if (method is not (EvaluatorKinds.Lexical or EvaluatorKinds.Judge))
            errors["method"] = ["method is lexical or judge."];
        else if (input.Kind is not null && method == EvaluatorKinds.Lexical && EvaluatorKinds.JudgeOnly.Contains(input.Kind))
            errors["method"] = [$"{input.Kind} needs an LLM judge: method judge, with a judgeDeployment."];
        else if (input.Kind is not null && method == EvaluatorKinds.Judge)
        {
            if (!Judges.JudgeRubrics.Kinds.Contains(input.Kind))
                errors["method"] = [$"There is no judge rubric for {input.Kind}; judges exist for {string.Join(", ", Judges.JudgeRubrics.Kinds)}."];
            else if (Judges.JudgeRubrics.Find(input.Kind, input.RubricVersion) is null)
                errors["rubricVersion"] = [$"No rubric version {input.RubricVersion} for {input.Kind}."];
            if (string.IsNullOrWhiteSpace(input.JudgeDeployment))
                errors["judgeDeployment"] = ["A judge needs judgeDeployment: the model or route the gateway sends judge calls to."];
        }
        if (input.SamplingRate is { } rate && (double.IsNaN(rate) || rate is < 0 or > 1))
            errors["samplingRate"] = ["samplingRate is a share from 0 to 1."];
        if (input.PromptName is { Length: > 200 } || input.Model is { Length: > 200 } || input.Feature is { Length: > 256 })
            errors["filters"] = ["promptName and model are at most 200 characters, feature at most 256."];
        if (input.JudgeDeployment is { Length: > 200 } || input.RubricVersion is { Length: > 64 })
            errors["judge"] = ["judgeDeployment is at most 200 characters, rubricVersion at most 64."];
        if (input.Settings is { } settings && settings.GetRawText().Length > 64 * 1024)
            errors["settings"] = ["settings are at most 64 KB."];
        return errors;
    }

    /// <summary>The method asked for; by default lexical, or judge for the kinds only a judge can tell.</summary>
    private static string MethodOf(EvaluatorInput input) =>
        input.Method ?? (input.Kind is not null && EvaluatorKinds.JudgeOnly.Contains(input.Kind) ? EvaluatorKinds.Judge : EvaluatorKinds.Lexical);

    private static void Apply(EvaluatorRecord record, EvaluatorInput input, DateTime now)
    {
        record.Method = MethodOf(input);
        record.Settings = input.Settings is { ValueKind: JsonValueKind.Object } s ? s.GetRawText() : record.Settings;
        record.PromptName = Blank(input.PromptName) ?? (input.PromptName is "" ? null : record.PromptName);
        record.Model = Blank(input.Model) ?? (input.Model is "" ? null : record.Model);
        record.Feature = Blank(input.Feature) ?? (input.Feature is "" ? null : record.Feature);
        record.SamplingRate = input.SamplingRate ?? record.SamplingRate;
        record.JudgeDeployment = input.JudgeDeployment ?? record.JudgeDeployment;
        record.RubricVersion = input.RubricVersion ?? record.RubricVersion;
        record.Enabled = input.Enabled ?? record.Enabled;
        record.UpdatedAt = now;
    }

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static object View(EvaluatorRecord e) => new
    {
        id = e.Id, projectId = e.ProjectId, name = e.Name, kind = e.Kind, method = e.Method,
        settings = e.Settings is null ? (JsonElement?)null : JsonDocument.Parse(e.Settings).RootElement.Clone(),
        filters = new { promptName = e.PromptName, model = e.Model, feature = e.Feature },
        samplingRate = e.SamplingRate, judgeDeployment = e.JudgeDeployment, rubricVersion = e.RubricVersion, enabled = e.Enabled,
        version = e.Version, createdAt = e.CreatedAt, updatedAt = e.UpdatedAt,
    };

    private static IResult NotFound(Guid id) => Results.Problem(statusCode: 404, title: "Not Found", detail: $"No evaluator {id}.");
}
