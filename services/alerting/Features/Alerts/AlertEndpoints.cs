using System.Security.Claims;
using LlmOps.Alerting.Features.Engine;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Alerting.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Alerting.Features.Alerts;

/// <summary>
/// <c>/api/alerts</c>: what is pending, firing and recently resolved (from the engine), one alert with its history and
/// deliveries, and the on-call actions (acknowledge, resolve, with who and when). A project key sees its project's alerts;
/// alerts without a project (the platform's own, such as <c>evaluator_stalled</c>) are the admin's.
/// </summary>
public static class AlertEndpoints
{
    public sealed record OnCallAction(string? By, string? Note);

    public static readonly IReadOnlySet<string> States = new HashSet<string> { "pending", "firing", "resolved" };

    public static WebApplication MapAlertEndpoints(this WebApplication app)
    {
        var alerts = app.MapGroup("/api/alerts").WithTags(AlertingExtensions.ServiceName);
        alerts.MapGet("/", List);
        alerts.MapGet("/history", HistoryAsync);
        alerts.MapGet("/{fingerprint}", GetAsync);
        alerts.MapPost("/{fingerprint}/acknowledge", AcknowledgeAsync);
        alerts.MapPost("/{fingerprint}/resolve", ResolveAsync);
        Silences.SilenceEndpoints.Map(app);
        RuleEndpoints.Map(app);
        return app;
    }

    public static IResult List(HttpContext context, AlertEngine engine, string? projectId, string? state, string? rule, string? severity, int? limit)
    {
        if (state is not null && !States.Contains(state))
            return Invalid("state", "state is pending, firing or resolved.");
        if (limit is < 1 or > 5_000)
            return Invalid("limit", "limit is from 1 to 5000.");
        var views = Visible(context.User, engine.Alerts, projectId)
            .Where(v => state is null || AlertStore.StateName(v.Status.State) == state)
            .Where(v => rule is null || v.Status.RuleName == rule)
            .Where(v => severity is null || v.Status.Labels.GetValueOrDefault("severity") == severity)
            .Take(limit ?? 500)
            .Select(View);
        return Results.Ok(new { data = views });
    }

    public static async Task<IResult> GetAsync(string fingerprint, HttpContext context, AlertEngine engine, AlertingDbContext db, CancellationToken cancellationToken)
    {
        var view = Visible(context.User, engine.Alerts, null).FirstOrDefault(v => v.Status.Fingerprint == fingerprint);
        AlertRecord? row = null;
        if (view is null)
        {
            row = await db.Alerts.AsNoTracking().SingleOrDefaultAsync(a => a.Fingerprint == fingerprint, cancellationToken);
            if (row is null || !CanSee(context.User, row.ProjectId))
                return NotFound(fingerprint);
        }
        var history = await db.History.AsNoTracking().Where(h => h.Fingerprint == fingerprint).OrderByDescending(h => h.At).Take(100).ToListAsync(cancellationToken);
        var since = DateTime.UtcNow.AddDays(-7);
        var like = "%\"" + fingerprint + "\"%";
        var deliveries = await db.Deliveries.AsNoTracking()
            .Where(d => d.At >= since && EF.Functions.Like(d.Fingerprints, like))
            .OrderByDescending(d => d.At).Take(50).ToListAsync(cancellationToken);
        return Results.Ok(new
        {
            alert = view is not null ? View(view) : (object)StoredView(row!),
            history = history.Select(h => new { kind = h.Kind, at = Utc(h.At), value = h.Value, by = h.By, note = h.Note }),
            deliveries = deliveries.Select(d => new
            {
                receiver = d.Receiver, status = d.Status, delivered = d.Delivered, attempts = d.Attempts, httpStatus = d.HttpStatus,
                error = d.Error, at = Utc(d.At), groupKey = d.GroupKey,
            }),
        });
    }

    public static async Task<IResult> HistoryAsync(HttpContext context, AlertingDbContext db, string? projectId, string? rule, DateTimeOffset? from, int? limit,
        CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 5_000)
            return Invalid("limit", "limit is from 1 to 5000.");
        var query = db.History.AsNoTracking();
        if (!context.User.IsAdmin())
        {
            var own = context.User.ProjectIdOf() ?? "";
            query = query.Where(h => h.ProjectId == own);
        }
        else if (!string.IsNullOrEmpty(projectId))
            query = query.Where(h => h.ProjectId == projectId);
        if (!string.IsNullOrEmpty(rule))
            query = query.Where(h => h.RuleName == rule);
        if (from is { } start)
            query = query.Where(h => h.At >= start.UtcDateTime);
        var rows = await query.OrderByDescending(h => h.At).Take(limit ?? 200).ToListAsync(cancellationToken);
        return Results.Ok(new
        {
            data = rows.Select(h => new { fingerprint = h.Fingerprint, rule = h.RuleName, projectId = h.ProjectId, kind = h.Kind, at = Utc(h.At), value = h.Value, by = h.By, note = h.Note }),
        });
    }

    public static Task<IResult> AcknowledgeAsync(string fingerprint, OnCallAction? action, HttpContext context, AlertEngine engine, TimeProvider clock,
        CancellationToken cancellationToken) => ActAsync(fingerprint, action, context, engine, clock, engine.AcknowledgeAsync, cancellationToken);

    public static Task<IResult> ResolveAsync(string fingerprint, OnCallAction? action, HttpContext context, AlertEngine engine, TimeProvider clock,
        CancellationToken cancellationToken) => ActAsync(fingerprint, action, context, engine, clock, engine.ResolveAsync, cancellationToken);

    private static async Task<IResult> ActAsync(string fingerprint, OnCallAction? action, HttpContext context, AlertEngine engine, TimeProvider clock,
        Func<string, string, string?, DateTimeOffset, CancellationToken, Task<(CommandOutcome, AlertView?)>> command, CancellationToken cancellationToken)
    {
        if (action?.Note is { Length: > 2_000 })
            return Invalid("note", "A note is at most 2,000 characters.");
        if (action?.By is { Length: > 100 })
            return Invalid("by", "by is at most 100 characters.");
        var alert = Visible(context.User, engine.Alerts, null).FirstOrDefault(v => v.Status.Fingerprint == fingerprint);
        if (alert is null)
            return NotFound(fingerprint);
        var (outcome, view) = await command(fingerprint, Who(context.User, action?.By), action?.Note, clock.GetUtcNow(), cancellationToken);
        return outcome switch
        {
            CommandOutcome.Done => Results.Ok(View(view!)),
            CommandOutcome.NotFound => NotFound(fingerprint),
            _ => Results.Problem(statusCode: 409, title: "Conflict", detail: $"The alert is {AlertStore.StateName(alert.Status.State)}, not firing."),
        };
    }

    /// <summary>Who did it: the person the caller names (if any) and the key that was used, which cannot be made up.</summary>
    public static string Who(ClaimsPrincipal user, string? named)
    {
        var key = user.IsAdmin() ? "admin key" : $"key {user.KeyIdOf()}";
        return string.IsNullOrWhiteSpace(named) ? key : $"{named.Trim()} ({key})";
    }

    public static IEnumerable<AlertView> Visible(ClaimsPrincipal user, IEnumerable<AlertView> alerts, string? requestedProject)
    {
        var filter = user.ProjectFilter(requestedProject);
        return alerts.Where(v => user.IsAdmin() ? filter is null || v.ProjectId == filter : v.ProjectId is not null && v.ProjectId == filter);
    }

    private static bool CanSee(ClaimsPrincipal user, string? projectId) => user.IsAdmin() || (projectId is not null && user.CanAccessProject(projectId));

    public static object View(AlertView v) => new
    {
        fingerprint = v.Status.Fingerprint,
        rule = v.Status.RuleName,
        ruleSource = v.RuleSource,
        state = AlertStore.StateName(v.Status.State),
        severity = v.Status.Labels.GetValueOrDefault("severity"),
        projectId = v.ProjectId,
        labels = v.Status.Labels,
        annotations = v.Status.Annotations,
        value = double.IsFinite(v.Status.Value) ? v.Status.Value : (double?)null,
        threshold = v.Status.Threshold,
        activeAt = v.Status.ActiveAt,
        firedAt = v.Status.FiredAt,
        resolvedAt = v.Status.ResolvedAt,
        acknowledgedBy = v.Alert.AcknowledgedBy,
        acknowledgedAt = v.Alert.AcknowledgedAt,
        resolvedBy = v.Alert.ResolvedBy,
        silenced = v.Silenced,
        silencedBy = v.SilencedBy,
        inhibited = v.Inhibited,
        receivers = v.Receivers,
    };

    private static object StoredView(AlertRecord r) => new
    {
        fingerprint = r.Fingerprint, rule = r.RuleName, state = r.State, severity = r.Severity, projectId = r.ProjectId,
        labels = System.Text.Json.JsonDocument.Parse(r.Labels).RootElement.Clone(),
        annotations = System.Text.Json.JsonDocument.Parse(r.Annotations).RootElement.Clone(),
        value = r.Value, threshold = r.Threshold, activeAt = Utc(r.ActiveAt), firedAt = r.FiredAt is { } f ? Utc(f) : (DateTime?)null,
        resolvedAt = r.ResolvedAt is { } x ? Utc(x) : (DateTime?)null, acknowledgedBy = r.AcknowledgedBy, resolvedBy = r.ResolvedBy,
    };

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    internal static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    private static IResult NotFound(string fingerprint) => Results.Problem(statusCode: 404, title: "Not Found", detail: $"No alert {fingerprint}.");
}
