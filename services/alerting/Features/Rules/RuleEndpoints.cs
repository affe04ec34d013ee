using System.Globalization;
using LlmOps.Alerting.Features.Alerts;
using LlmOps.Alerting.Features.Engine;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Features.Rules;

/// <summary>
/// <c>/api/rules</c>: every rule (file and API) with its last evaluation — each series' value against its threshold —
/// and, for the admin, creating, replacing and deleting API rules. A rule is sent as JSON or YAML with exactly the keys
/// of a rule in the rules file (docs/alerting-rules.md) and read by the same strict reader; the evaluation interval is the
/// <c>interval</c> query parameter. File rules are changed by changing the file. A project key sees only its own series.
/// </summary>
public static class RuleEndpoints
{
    public const int MaxBodyBytes = 64 * 1024;

    public static void Map(WebApplication app)
    {
        var rules = app.MapGroup("/api/rules").WithTags(AlertingExtensions.ServiceName);
        rules.MapGet("/", List);
        rules.MapGet("/{name}", Get);
        rules.MapPost("/", CreateAsync).RequireAuthorization(AuthExtensions.AdminPolicy);
        rules.MapPut("/{name}", ReplaceAsync).RequireAuthorization(AuthExtensions.AdminPolicy);
        rules.MapDelete("/{name}", DeleteAsync).RequireAuthorization(AuthExtensions.AdminPolicy);
    }

    public static IResult List(HttpContext context, AlertEngine engine, string? projectId, string? source) =>
        Results.Ok(new
        {
            data = engine.Rules.Where(r => (source is null || r.Scheduled.Source == source) && Visible(context, r)).Select(r => View(r, context, projectId)),
        });

    public static IResult Get(string name, HttpContext context, AlertEngine engine) =>
        engine.Rules.FirstOrDefault(r => r.Scheduled.Rule.Name == name) is { } rule && Visible(context, rule)
            ? Results.Ok(View(rule, context, null))
            : NotFound(name);

    /// <summary>A rule written for one project (<c>filters: {project: ...}</c>) is that project's and the admin's business.</summary>
    private static bool Visible(HttpContext context, RuleView rule) =>
        context.User.IsAdmin() || !rule.Scheduled.Rule.Metric.Filters.TryGetValue("project", out var project) || project == context.User.ProjectIdOf();

    public static Task<IResult> CreateAsync(HttpContext context, AlertEngine engine, IOptions<EngineOptions> options, TimeProvider clock, string? interval,
        CancellationToken cancellationToken) => PutAsync(null, context, engine, options, clock, interval, cancellationToken);

    public static Task<IResult> ReplaceAsync(string name, HttpContext context, AlertEngine engine, IOptions<EngineOptions> options, TimeProvider clock,
        string? interval, CancellationToken cancellationToken) => PutAsync(name, context, engine, options, clock, interval, cancellationToken);

    public static async Task<IResult> DeleteAsync(string name, HttpContext context, AlertEngine engine, TimeProvider clock, CancellationToken cancellationToken) =>
        await engine.DeleteRuleAsync(name, AlertEndpoints.Who(context.User, null), clock.GetUtcNow(), cancellationToken) switch
        {
            CommandOutcome.Done => Results.NoContent(),
            CommandOutcome.NotFound => NotFound(name),
            _ => FileRule(name),
        };

    private static async Task<IResult> PutAsync(string? name, HttpContext context, AlertEngine engine, IOptions<EngineOptions> options, TimeProvider clock,
        string? intervalText, CancellationToken cancellationToken)
    {
        var every = RuleFileParser.DefaultInterval;
        if (intervalText is not null && (!Duration.TryParse(intervalText, out every) || every < TimeSpan.FromSeconds(options.Value.MinimumApiRuleIntervalSeconds)))
            return AlertEndpoints.Invalid("interval", $"interval is a duration of at least {options.Value.MinimumApiRuleIntervalSeconds} s (30s, 1m, 5m).");
        var mediaType = context.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not ("application/json" or "application/yaml" or "application/x-yaml" or "text/yaml" or "text/plain"))
            return Results.Problem(statusCode: 415, title: "Unsupported Media Type", detail: "Send the rule as application/json or application/yaml.");
        if (context.Request.ContentLength > MaxBodyBytes)
            return TooLarge();
        var buffer = new char[MaxBodyBytes + 1];
        using var reader = new StreamReader(context.Request.Body);
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        if (read > MaxBodyBytes)
            return TooLarge();
        var definition = new string(buffer, 0, read);
        if (string.IsNullOrWhiteSpace(definition))
            return AlertEndpoints.Invalid("body", "The body holds one rule (docs/alerting-rules.md).");
        AlertRule rule;
        try
        {
            rule = ApiRuleParser.Parse(definition);
        }
        catch (RuleFileException e)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["rule"] = e.Errors.ToArray() }, title: "The rule is invalid.");
        }
        if (name is not null && rule.Name != name)
            return AlertEndpoints.Invalid("name", $"The rule in the body is '{rule.Name}', the address says '{name}'.");
        var scheduled = new ScheduledRule(rule, ApiRuleParser.Group, every, RuleSources.Api, definition);
        // Whether it exists is decided inside the engine's lock: two concurrent creates of one name get one 201 and one 409.
        switch (await engine.PutRuleAsync(scheduled, create: name is null, AlertEndpoints.Who(context.User, null), clock.GetUtcNow(), cancellationToken))
        {
            case CommandOutcome.Conflict:
                return FileRule(rule.Name);
            case CommandOutcome.Exists:
                return Results.Problem(statusCode: 409, title: "Conflict", detail: $"A rule named '{rule.Name}' exists; PUT /api/rules/{rule.Name} replaces an API rule.");
            case CommandOutcome.NotFound:
                return NotFound(rule.Name);
        }
        var view = engine.Rules.First(r => r.Scheduled.Rule.Name == rule.Name);
        return name is null ? Results.Created($"/api/rules/{rule.Name}", View(view, context, null)) : Results.Ok(View(view, context, null));
    }

    public static object View(RuleView view, HttpContext context, string? projectId)
    {
        var rule = view.Scheduled.Rule;
        var filter = context.User.ProjectFilter(projectId);
        return new
        {
            name = rule.Name,
            group = view.Scheduled.Group,
            source = view.Scheduled.Source,
            interval = Duration.Format(view.Scheduled.Interval),
            metric = new
            {
                name = rule.Metric.Kind.ToString(),
                window = Duration.Format(rule.Metric.Window),
                filters = rule.Metric.Filters,
                by = rule.Metric.By,
                score = rule.Metric.Score,
                below = rule.Metric.Below,
                label = rule.Metric.ScoreLabel,
                percentile = rule.Metric.Percentile,
            },
            condition = Condition(rule.Condition),
            @for = Duration.Format(rule.For),
            keepFiringFor = Duration.Format(rule.KeepFiringFor),
            labels = rule.Labels,
            annotations = rule.Annotations,
            definition = view.Scheduled.Definition,
            lastEvaluatedAt = view.LastEvaluatedAt,
            lastError = view.LastError,
            series = view.Series
                // A project key sees its own series only; series without a project are platform-wide totals (the admin's).
                .Where(s => filter is null || (s.Labels.TryGetValue("project", out var project) && project == filter))
                .Select(s => new { labels = s.Labels, value = double.IsFinite(s.Value) ? s.Value : (double?)null, threshold = s.Threshold, holds = s.Holds }),
        };
    }

    private static object Condition(RuleCondition condition) => condition switch
    {
        ThresholdCondition t => new { kind = "threshold", op = Operator(t.Operator), value = t.Value },
        BaselineRatioCondition b => new { kind = "baseline_ratio", factor = b.Factor, baselineDays = b.BaselineDays, minBaselineDays = b.MinBaselineDays, floor = b.Floor },
        WilsonCondition w => new { kind = "wilson", threshold = w.Threshold, minSamples = w.MinSamples, confidence = w.Confidence },
        BurnRateCondition r => (object)new
        {
            kind = "burn_rate", slo = r.SloTarget,
            windows = r.Windows.Select(w => new { @long = Duration.Format(w.Long), @short = Duration.Format(w.Short), factor = w.Factor }),
        },
        _ => new { kind = condition.GetType().Name },
    };

    private static string Operator(ComparisonOperator op) => op switch
    {
        ComparisonOperator.GreaterThan => ">",
        ComparisonOperator.GreaterOrEqual => ">=",
        ComparisonOperator.LessThan => "<",
        ComparisonOperator.LessOrEqual => "<=",
        ComparisonOperator.Equal => "==",
        _ => "!=",
    };

    private static IResult TooLarge() =>
        Results.Problem(statusCode: 413, title: "Payload Too Large", detail: string.Create(CultureInfo.InvariantCulture, $"A rule is at most {MaxBodyBytes / 1024} KB."));

    private static IResult FileRule(string name) =>
        Results.Problem(statusCode: 409, title: "Conflict", detail: $"'{name}' comes from the rules file: change the file (the chart's alerting.rules) instead.");

    private static IResult NotFound(string name) => Results.Problem(statusCode: 404, title: "Not Found", detail: $"No rule {name}.");
}
