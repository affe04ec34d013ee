using LlmOps.Alerting.Features.Alerts;
using LlmOps.Alerting.Features.Engine;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Alerting.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Alerting.Features.Silences;

/// <summary>
/// <c>/api/silences</c>: mute notifications for alerts matching label matchers from a start to an end (the alerts still
/// fire, resolve and show in the API; they are only not sent). A project key's silences always carry
/// <c>project="{its project}"</c>, so they can never mute another project. Deleting a silence expires it.
/// </summary>
public static class SilenceEndpoints
{
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(90);
    public const int MaxMatchers = 20;
    public const int MaxActivePerProject = 200;

    public sealed record SilenceRequest(IReadOnlyList<string>? Matchers, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? Duration,
        string? Comment, string? CreatedBy);

    public static void Map(WebApplication app)
    {
        var silences = app.MapGroup("/api/silences").WithTags(AlertingExtensions.ServiceName);
        silences.MapGet("/", ListAsync);
        silences.MapGet("/{id:guid}", GetAsync);
        silences.MapPost("/", CreateAsync);
        silences.MapDelete("/{id:guid}", ExpireAsync);
    }

    public static async Task<IResult> ListAsync(HttpContext context, AlertingDbContext db, TimeProvider clock, string? projectId, bool? includeExpired,
        CancellationToken cancellationToken)
    {
        var query = Visible(context, db, projectId);
        if (includeExpired != true)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            query = query.Where(s => s.EndsAt > now);
        }
        var rows = await query.OrderByDescending(s => s.CreatedAt).Take(1_000).ToListAsync(cancellationToken);
        return Results.Ok(new { data = rows.Select(r => View(r, clock.GetUtcNow())) });
    }

    public static async Task<IResult> GetAsync(Guid id, HttpContext context, AlertingDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var row = await Visible(context, db, null).SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        return row is null ? NotFound(id) : Results.Ok(View(row, clock.GetUtcNow()));
    }

    public static async Task<IResult> CreateAsync(SilenceRequest? request, HttpContext context, AlertEngine engine, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request is null)
            return AlertEndpoints.Invalid("body", "A silence needs matchers, an end (endsAt or duration) and a comment.");
        var now = clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        var matchers = new List<Matcher>();
        if (request.Matchers is not { Count: > 0 } || request.Matchers.Count > MaxMatchers)
            errors["matchers"] = [$"From 1 to {MaxMatchers} matchers (a silence with none would mute everything)."];
        else
            foreach (var text in request.Matchers)
            {
                try
                {
                    matchers.Add(Matcher.Parse(text ?? ""));
                }
                catch (FormatException e)
                {
                    errors["matchers"] = [e.Message];
                }
            }
        var startsAt = request.StartsAt ?? now;
        DateTimeOffset? endsAt = request.EndsAt;
        if (request.Duration is not null)
        {
            if (request.EndsAt is not null)
                errors["duration"] = ["Give endsAt or duration, not both."];
            else if (Rules.Duration.TryParse(request.Duration, out var duration) && duration > TimeSpan.Zero)
                endsAt = startsAt + duration;
            else
                errors["duration"] = [$"'{request.Duration}' is not a duration above zero (30m, 2h, 1d)."];
        }
        if (endsAt is null && !errors.ContainsKey("duration"))
            errors["endsAt"] = ["endsAt or duration is required: a silence always ends."];
        else if (endsAt is { } end && (end <= startsAt || end <= now))
            errors["endsAt"] = ["endsAt is after startsAt and in the future."];
        else if (endsAt is { } far && far - startsAt > MaxDuration)
            errors["endsAt"] = [$"A silence lasts at most {MaxDuration.TotalDays} days."];
        if (string.IsNullOrWhiteSpace(request.Comment) || request.Comment.Length > 2_000)
            errors["comment"] = ["A comment (why, and the ticket) of at most 2,000 characters is required."];
        if (request.CreatedBy is { Length: > 100 })
            errors["createdBy"] = ["createdBy is at most 100 characters."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        string? projectId = null;
        if (!context.User.IsAdmin())
        {
            projectId = context.User.ProjectIdOf() ?? "";
            // Every silence is checked against every alert at every step: a project cannot pile up unbounded work.
            if (engine.Silences.Count(s => s.ProjectId == projectId) >= MaxActivePerProject)
                return Results.Problem(statusCode: 409, title: "Conflict",
                    detail: $"The project has {MaxActivePerProject} active or pending silences; expire some first.");
            matchers.RemoveAll(m => m.Name == "project" && m.Operator == MatchOperator.Equal && m.Value == projectId);
            matchers.Insert(0, new Matcher("project", MatchOperator.Equal, projectId));
        }
        var silence = new Silence(Guid.CreateVersion7(now).ToString(), matchers, startsAt, endsAt!.Value,
            AlertEndpoints.Who(context.User, request.CreatedBy), request.Comment!.Trim());
        await engine.PutSilenceAsync(silence, projectId, now, cancellationToken);
        return Results.Created($"/api/silences/{silence.Id}", View(silence, projectId, now));
    }

    public static async Task<IResult> ExpireAsync(Guid id, HttpContext context, AlertingDbContext db, AlertEngine engine, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var row = await Visible(context, db, null).AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (row is null)
            return NotFound(id);
        var now = clock.GetUtcNow();
        if (row.EndsAt <= now.UtcDateTime)
            return Results.NoContent();
        var silence = AlertStore.ToSilence(row);
        var expired = silence with { StartsAt = silence.StartsAt < now ? silence.StartsAt : now, EndsAt = now };
        await engine.PutSilenceAsync(expired, row.ProjectId, now, cancellationToken);
        return Results.NoContent();
    }

    private static IQueryable<SilenceRecord> Visible(HttpContext context, AlertingDbContext db, string? projectId)
    {
        var filter = context.User.ProjectFilter(projectId);
        var query = db.Silences.AsQueryable();
        return filter is null ? query : query.Where(s => s.ProjectId == filter);
    }

    private static object View(SilenceRecord r, DateTimeOffset now) => View(AlertStore.ToSilence(r), r.ProjectId, now);

    private static object View(Silence s, string? projectId, DateTimeOffset now) => new
    {
        id = s.Id,
        matchers = s.Matchers.Select(m => m.ToString()),
        startsAt = s.StartsAt,
        endsAt = s.EndsAt,
        createdBy = s.CreatedBy,
        comment = s.Comment,
        projectId,
        state = s.EndsAt <= now ? "expired" : s.StartsAt > now ? "pending" : "active",
    };

    private static IResult NotFound(Guid id) => Results.Problem(statusCode: 404, title: "Not Found", detail: $"No silence {id}.");
}
