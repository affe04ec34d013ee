using System.Text.Json;
using LlmOps.Evaluator.Features.Configuration;
using LlmOps.Evaluator.Features.Datasets;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Experiments;

/// <summary>
/// <c>/api/experiments</c>: run a prompt version × model over a dataset, read its progress, aggregates and comparison with
/// a baseline, its per-item results, and the regression gate CI asks before moving a prompt label. A project key acts on
/// its own project; the admin on <c>?projectId=</c> or the default project. Another project's experiment is a 404.
/// </summary>
public static class ExperimentEndpoints
{
    public sealed record ExperimentInput(Guid? DatasetId, string? Name, string? Prompt, string? Model, JsonElement? Evaluators, JsonElement? Gate,
        Guid? BaselineExperimentId);

    public const int RetryAfterSeconds = 5;

    public static async Task<IResult> CreateAsync(ExperimentInput input, string? projectId, HttpContext context, EvaluatorDbContext db,
        IOptions<AuthOptions> auth, ExperimentSignal signal, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (input.DatasetId is null)
            errors["datasetId"] = ["datasetId is required."];
        if (string.IsNullOrWhiteSpace(input.Model) || input.Model.Length > 200)
            errors["model"] = ["model is required (the model or route name the gateway resolves, at most 200 characters)."];
        if (input.Prompt is not null && !ExperimentSpec.IsPromptReference(input.Prompt))
            errors["prompt"] = ["prompt is name, name@label or name#version."];
        if (input.Name is { Length: > 200 })
            errors["name"] = ["name is at most 200 characters."];
        var evaluators = ExperimentSpec.Evaluators(input.Evaluators, errors);
        var gate = evaluators is null ? null : ExperimentSpec.Gate(input.Gate, evaluators, input.BaselineExperimentId is not null, errors);
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var dataset = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == input.DatasetId, cancellationToken);
        if (dataset is null || !context.User.CanAccessProject(dataset.ProjectId)
            || context.User.IsAdmin() && !string.IsNullOrEmpty(projectId) && dataset.ProjectId != projectId)
            return GoldenDatasetEndpoints.NotFound(input.DatasetId!.Value);
        if (!await db.DatasetItems.AnyAsync(i => i.DatasetId == dataset.Id, cancellationToken))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["datasetId"] = [$"Dataset {dataset.Name} has no items."] });
        if (input.BaselineExperimentId is { } baselineId)
        {
            var baseline = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == baselineId, cancellationToken);
            if (baseline is null || baseline.ProjectId != dataset.ProjectId)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["baselineExperimentId"] = [$"No experiment {baselineId} in project {dataset.ProjectId}."] });
            if (baseline.DatasetId != dataset.Id)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["baselineExperimentId"] = ["The baseline ran on another dataset; items can only be compared on the same one."] });
        }

        var record = new ExperimentRecord
        {
            Id = Guid.CreateVersion7(),
            ProjectId = dataset.ProjectId,
            DatasetId = dataset.Id,
            Name = input.Name,
            Prompt = input.Prompt,
            Model = input.Model!,
            Evaluators = JsonSerializer.Serialize(evaluators, ExperimentSpec.Json),
            Gate = JsonSerializer.Serialize(gate, ExperimentSpec.Json),
            BaselineExperimentId = input.BaselineExperimentId,
            Status = ExperimentStatuses.Pending,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Experiments.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        return Results.Accepted($"/api/experiments/{record.Id}", new
        {
            id = record.Id, status = record.Status, datasetId = record.DatasetId, links = new
            {
                self = $"/api/experiments/{record.Id}", results = $"/api/experiments/{record.Id}/results", gate = $"/api/experiments/{record.Id}/gate",
            },
        });
    }

    public static async Task<IResult> ListAsync(string? projectId, Guid? datasetId, string? status, int? limit, HttpContext context, EvaluatorDbContext db,
        CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1_000)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is from 1 to 1000."] });
        var query = db.Experiments.AsNoTracking();
        if (context.User.ProjectFilter(projectId) is { } only)
            query = query.Where(e => e.ProjectId == only);
        if (datasetId is { } dataset)
            query = query.Where(e => e.DatasetId == dataset);
        if (!string.IsNullOrEmpty(status))
            query = query.Where(e => e.Status == status);
        var records = await query.OrderByDescending(e => e.CreatedAt).Take(limit ?? 100).ToListAsync(cancellationToken);
        return Results.Ok(new { data = records.Select(r => Summary(r)) });
    }

    public static async Task<IResult> GetAsync(Guid id, HttpContext context, EvaluatorDbContext db, CancellationToken cancellationToken)
    {
        var record = await FindAsync(id, context, db, cancellationToken);
        if (record is null)
            return NotFound(id);
        var (baseline, comparison) = await CompareAsync(db, record, cancellationToken);
        return Results.Ok(new
        {
            experiment = Summary(record),
            evaluators = JsonSerializer.Deserialize<JsonElement>(record.Evaluators),
            gate = JsonSerializer.Deserialize<JsonElement>(record.Gate),
            aggregates = record.Aggregates is null ? (JsonElement?)null : JsonSerializer.Deserialize<JsonElement>(record.Aggregates),
            baseline = baseline is null ? null : new { id = baseline.Id, status = baseline.Status, prompt = baseline.Prompt, model = baseline.Model },
            comparison,
        });
    }

    public static async Task<IResult> ResultsAsync(Guid id, int? offset, int? limit, bool? errorsOnly, HttpContext context, EvaluatorDbContext db,
        CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1_000 || offset is < 0)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is from 1 to 1000, offset at least 0."] });
        var record = await FindAsync(id, context, db, cancellationToken);
        if (record is null)
            return NotFound(id);
        var query = db.ExperimentResults.AsNoTracking().Where(r => r.ExperimentId == id);
        if (errorsOnly == true)
            query = query.Where(r => r.Error != null);
        var results = await query.OrderBy(r => r.ItemId).Skip(offset ?? 0).Take(limit ?? 100).ToListAsync(cancellationToken);
        var itemIds = results.Select(r => r.ItemId).ToList();
        var items = await db.DatasetItems.AsNoTracking().Where(i => itemIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, cancellationToken);
        return Results.Ok(new
        {
            experimentId = id,
            total = await query.CountAsync(cancellationToken),
            data = results.Select(r => new
            {
                itemId = r.ItemId,
                item = items.TryGetValue(r.ItemId, out var item) ? GoldenItem.View(item) : null,
                output = r.Output,
                error = r.Error,
                scores = ExperimentMath.ReadScores(r.Scores),
                latencyMs = r.LatencyMs,
                inputTokens = r.InputTokens,
                outputTokens = r.OutputTokens,
                traceId = r.TraceId,
            }),
        });
    }

    /// <summary>
    /// 200 when every condition holds, 409 when one does not (so <c>curl --fail</c> fails), 202 with Retry-After while the
    /// experiment (or, for a regression condition, its baseline) has not finished, 404 for an unknown or another project's.
    /// </summary>
    public static async Task<IResult> GateAsync(Guid id, HttpContext context, EvaluatorDbContext db, CancellationToken cancellationToken)
    {
        var record = await FindAsync(id, context, db, cancellationToken);
        if (record is null)
            return NotFound(id);
        var gate = JsonSerializer.Deserialize<ExperimentGate>(record.Gate, ExperimentSpec.Json)!;
        if (record.Status is ExperimentStatuses.Pending or ExperimentStatuses.Running)
            return Waiting(context, record, $"Experiment {id} is {record.Status}: {record.CompletedItems} of {record.ItemCount} items done.");
        if (record.Status == ExperimentStatuses.Failed)
            return Verdict(record, false, [new GateCondition("completed", null, null, null, false, $"the experiment failed: {record.Error}")], null);

        var aggregates = JsonSerializer.Deserialize<ExperimentAggregates>(record.Aggregates!, ExperimentSpec.Json)!;
        var (baseline, comparison) = await CompareAsync(db, record, cancellationToken);
        var conditions = new List<GateCondition>();
        if (gate.MaxRegression is not null)
        {
            if (baseline is null)
                conditions.Add(new GateCondition("baseline", null, null, null, false, $"baseline {record.BaselineExperimentId} no longer exists"));
            else if (baseline.Status is ExperimentStatuses.Pending or ExperimentStatuses.Running)
                return Waiting(context, record, $"Baseline {baseline.Id} is {baseline.Status}; the regression condition needs it finished.");
            else if (baseline.Status == ExperimentStatuses.Failed)
                conditions.Add(new GateCondition("baseline", null, null, null, false, $"baseline {baseline.Id} failed, so nothing can be compared: {baseline.Error}"));
        }
        conditions.AddRange(GateVerdict.Decide(gate, aggregates, record.BaselineExperimentId, comparison));
        return Verdict(record, conditions.All(c => c.Passed), conditions, comparison);
    }

    private static IResult Waiting(HttpContext context, ExperimentRecord record, string reason)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Json(new
        {
            experimentId = record.Id, status = record.Status, passed = (bool?)null, reasons = new[] { reason },
            progress = new { items = record.ItemCount, completed = record.CompletedItems },
        }, statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult Verdict(ExperimentRecord record, bool passed, List<GateCondition> conditions, List<MetricComparison>? comparison) =>
        Results.Json(new
        {
            experimentId = record.Id,
            status = record.Status,
            passed,
            prompt = record.Prompt,
            model = record.Model,
            baselineExperimentId = record.BaselineExperimentId,
            reasons = conditions.Select(c => c.Reason),
            failures = conditions.Where(c => !c.Passed).Select(c => c.Reason),
            conditions,
            comparison,
        }, statusCode: passed ? StatusCodes.Status200OK : StatusCodes.Status409Conflict);

    /// <summary>The baseline (if any) and, once both have completed, the comparison of every metric they share.</summary>
    private static async Task<(ExperimentRecord? Baseline, List<MetricComparison>? Comparison)> CompareAsync(EvaluatorDbContext db, ExperimentRecord record,
        CancellationToken cancellationToken)
    {
        if (record.BaselineExperimentId is not { } baselineId)
            return (null, null);
        var baseline = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == baselineId, cancellationToken);
        if (baseline?.Aggregates is null || record.Aggregates is null
            || baseline.Status != ExperimentStatuses.Completed || record.Status != ExperimentStatuses.Completed)
            return (baseline, null);
        var comparison = ExperimentMath.Compare(
            JsonSerializer.Deserialize<List<ExperimentEvaluator>>(record.Evaluators, ExperimentSpec.Json)!,
            JsonSerializer.Deserialize<ExperimentAggregates>(record.Aggregates, ExperimentSpec.Json)!,
            await ExperimentRunner.Rows(db, record.Id).ToListAsync(cancellationToken),
            JsonSerializer.Deserialize<List<ExperimentEvaluator>>(baseline.Evaluators, ExperimentSpec.Json)!,
            JsonSerializer.Deserialize<ExperimentAggregates>(baseline.Aggregates, ExperimentSpec.Json)!,
            await ExperimentRunner.Rows(db, baseline.Id).ToListAsync(cancellationToken));
        return (baseline, comparison);
    }

    private static async Task<ExperimentRecord?> FindAsync(Guid id, HttpContext context, EvaluatorDbContext db, CancellationToken cancellationToken)
    {
        var record = await db.Experiments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        return record is null || !context.User.CanAccessProject(record.ProjectId) ? null : record;
    }

    private static object Summary(ExperimentRecord r) => new
    {
        id = r.Id, projectId = r.ProjectId, datasetId = r.DatasetId, name = r.Name, prompt = r.Prompt, model = r.Model,
        baselineExperimentId = r.BaselineExperimentId, status = r.Status,
        progress = new
        {
            items = r.ItemCount, completed = r.CompletedItems, errors = r.ErrorCount,
            fraction = r.ItemCount == 0 ? 0 : Math.Round((double)r.CompletedItems / r.ItemCount, 4),
        },
        error = r.Error, createdAt = r.CreatedAt, startedAt = r.StartedAt, completedAt = r.CompletedAt,
    };

    private static IResult NotFound(Guid id) => Results.Problem(statusCode: 404, title: "Not Found", detail: $"No experiment {id}.");
}
