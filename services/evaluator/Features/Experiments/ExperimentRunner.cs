using System.Text.Json;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Configuration;
using LlmOps.Evaluator.Features.Datasets;
using LlmOps.Evaluator.Features.FineTune;
using LlmOps.Evaluator.Features.Gateway;
using LlmOps.Evaluator.Features.Online;
using LlmOps.Evaluator.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Experiments;

/// <summary>
/// Runs one claimed experiment: every dataset item not yet answered goes through the gateway (bounded by
/// <c>Evaluator:Gateway:Concurrency</c>), each answer is scored by the experiment's evaluators as if it were a finished
/// trace, and results are saved a chunk at a time with the lease renewed, so a replica that stops loses at most one
/// chunk and whoever resumes skips what is saved. A failed gateway call is the item's error, never a score.
/// </summary>
public sealed partial class ExperimentRunner(EvaluatorDbContext db, GatewayClient gateway, Judges.JudgeRunner judges, IOptions<EvaluatorOptions> options,
    IOptions<ExperimentOptions> experimentOptions, TimeProvider clock, ILogger<ExperimentRunner> logger)
{
    public const string Feature = "evaluator:experiment";

    public async Task RunAsync(Guid id, string claimant, CancellationToken cancellationToken)
    {
        var experiment = await db.Experiments.AsNoTracking().SingleAsync(e => e.Id == id, cancellationToken);
        var settings = experimentOptions.Value;
        if (experiment.Attempts > settings.MaxAttempts)
        {
            await FinishAsync(id, claimant, ExperimentStatuses.Failed, null, $"Gave up after {settings.MaxAttempts} attempts that ended in unexpected failures (see the evaluator's log).");
            return;
        }
        if (!await db.Datasets.AnyAsync(d => d.Id == experiment.DatasetId, cancellationToken))
        {
            await FinishAsync(id, claimant, ExperimentStatuses.Failed, null, $"Dataset {experiment.DatasetId} was deleted.");
            return;
        }
        var evaluators = JsonSerializer.Deserialize<List<ExperimentEvaluator>>(experiment.Evaluators, ExperimentSpec.Json)!;
        var compiled = evaluators.Select(e => (e.Name, e.Kind, Settings: EvaluatorKinds.Compile(e.Kind, e.Settings).Settings!, Spec: e)).ToList();

        var items = await db.DatasetItems.AsNoTracking().Where(i => i.DatasetId == experiment.DatasetId).OrderBy(i => i.CreatedAt).ThenBy(i => i.Id)
            .Take(settings.MaxItems).ToListAsync(cancellationToken);
        if (items.Count == 0)
        {
            await FinishAsync(id, claimant, ExperimentStatuses.Failed, null, "The dataset has no items.");
            return;
        }
        var done = (await db.ExperimentResults.AsNoTracking().Where(r => r.ExperimentId == id).Select(r => r.ItemId).ToListAsync(cancellationToken)).ToHashSet();
        var todo = items.Where(i => !done.Contains(i.Id)).ToList();
        LogRunning(logger, id, todo.Count, items.Count);
        await db.Experiments.Where(e => e.Id == id && e.ClaimedBy == claimant)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.ItemCount, items.Count), cancellationToken);

        var concurrency = options.Value.Gateway.Concurrency;
        foreach (var chunk in todo.Chunk(Math.Max(16, concurrency * 4)))
        {
            var results = new ExperimentResultRecord[chunk.Length];
            // Gateway and judge calls can take up to their timeout each: the lease is kept alive while the chunk runs, or
            // another replica would take the experiment over mid-chunk and pay for the same items again.
            using (var keeper = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var keeping = KeepLeaseAsync(id, claimant, settings.LeaseSeconds, keeper.Token);
                try
                {
                    await Parallel.ForEachAsync(Enumerable.Range(0, chunk.Length),
                        new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
                        async (index, token) => results[index] = await RunItemAsync(experiment, compiled, chunk[index], token));
                }
                finally
                {
                    await keeper.CancelAsync();
                    await keeping;
                }
            }
            db.ExperimentResults.AddRange(results);
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            var completed = await db.ExperimentResults.CountAsync(r => r.ExperimentId == id, cancellationToken);
            var errors = await db.ExperimentResults.CountAsync(r => r.ExperimentId == id && r.Error != null, cancellationToken);
            var leaseUntil = clock.GetUtcNow().UtcDateTime.AddSeconds(settings.LeaseSeconds);
            var held = await db.Experiments.Where(e => e.Id == id && e.ClaimedBy == claimant)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.CompletedItems, completed).SetProperty(e => e.ErrorCount, errors)
                    .SetProperty(e => e.LeaseUntil, leaseUntil), cancellationToken);
            if (held == 0)
            {
                LogLostClaim(logger, id);
                return;
            }
        }

        var rows = await Rows(db, id).ToListAsync(cancellationToken);
        var aggregates = ExperimentMath.Aggregate(evaluators, rows);
        await FinishAsync(id, claimant, ExperimentStatuses.Completed, aggregates, null);
        LogCompleted(logger, id, aggregates.Items, aggregates.Errors);
    }

    /// <summary>Renews the claim every third of the lease until cancelled (the items use no database meanwhile).</summary>
    private async Task KeepLeaseAsync(Guid id, string claimant, int leaseSeconds, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, leaseSeconds / 3)), clock, cancellationToken);
                var leaseUntil = clock.GetUtcNow().UtcDateTime.AddSeconds(leaseSeconds);
                await db.Experiments.Where(e => e.Id == id && e.ClaimedBy == claimant)
                    .ExecuteUpdateAsync(s => s.SetProperty(e => e.LeaseUntil, leaseUntil), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The chunk is done.
        }
    }

    public static IQueryable<ExperimentMath.ResultRow> Rows(EvaluatorDbContext db, Guid id) =>
        db.ExperimentResults.AsNoTracking().Where(r => r.ExperimentId == id)
            .Select(r => new ExperimentMath.ResultRow(r.ItemId, r.Error, r.Scores, r.LatencyMs, r.InputTokens, r.OutputTokens));

    private async Task<ExperimentResultRecord> RunItemAsync(ExperimentRecord experiment,
        List<(string Name, string Kind, CheckSettings Settings, ExperimentEvaluator Spec)> evaluators,
        DatasetItemRecord item, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var documents = GoldenItem.Documents(item);
        var question = GoldenItem.Question(item);
        var request = new GatewayRequest
        {
            Model = experiment.Model,
            Temperature = 0,
            Feature = Feature,
            Metadata = new Dictionary<string, string> { ["experimentId"] = experiment.Id.ToString(), ["itemId"] = item.Id.ToString() },
            Prompt = experiment.Prompt,
            // With a prompt the gateway renders the version's messages from the item's variables; without one the item
            // is the conversation: its context as the system message, its input as the user's.
            PromptVariables = experiment.Prompt is null ? null : GoldenItem.Variables(item),
            Messages = experiment.Prompt is not null ? []
                : documents.Count > 0
                    ? [("system", $"{DatasetExport.ContextInstruction}\n\nContext:\n{GoldenItem.ContextText(item)}"), ("user", question)]
                    : [("user", question)],
        };
        var reply = await gateway.ChatAsync(request, cancellationToken);
        var result = new ExperimentResultRecord
        {
            ExperimentId = experiment.Id,
            ItemId = item.Id,
            LatencyMs = Math.Round(reply.LatencyMs, 1),
            InputTokens = reply.InputTokens,
            OutputTokens = reply.OutputTokens,
            TraceId = reply.TraceId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        if (!reply.Ok)
        {
            result.Error = reply.Error ?? "the gateway call failed";
            return result;
        }
        result.Output = reply.Content;

        var trace = new TraceCompleted
        {
            TraceId = reply.TraceId ?? item.Id.ToString("N"),
            ProjectId = experiment.ProjectId,
            Model = reply.Model ?? experiment.Model,
            Feature = Feature,
            Question = question,
            Answer = reply.Content,
            RetrievedDocuments = documents.Select(d => new RetrievedDocument { Content = d }).ToList(),
            Status = "ok",
            IsEvaluatorTraffic = true,
            StartedAt = started,
            CompletedAt = clock.GetUtcNow(),
            Metadata = item.ExpectedOutput is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["reference"] = item.ExpectedOutput },
        };
        var maxChars = options.Value.MaxTextChars;
        var scores = new Dictionary<string, ItemScore>(StringComparer.Ordinal);
        foreach (var e in evaluators)
        {
            // A judge answers through the gateway like a production judge would (priced, traced, never evaluated itself).
            var outcome = e.Spec.IsJudge
                ? (await judges.JudgeAsync(new CompiledEvaluator(Guid.Empty, experiment.ProjectId, e.Name, e.Kind, EvaluatorKinds.Judge, e.Settings,
                    null, null, null, 1.0, 0, e.Spec.JudgeDeployment, e.Spec.RubricVersion), trace, cancellationToken)).Outcome
                : CheckRunner.Run(e.Kind, e.Settings, trace, maxChars);
            scores[e.Name] = new ItemScore(outcome.Status, outcome.Value, outcome.Label, outcome.Explanation);
        }
        result.Scores = JsonSerializer.Serialize(scores, ExperimentSpec.Json);
        return result;
    }

    private async Task FinishAsync(Guid id, string claimant, string status, ExperimentAggregates? aggregates, string? error)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var json = aggregates is null ? null : JsonSerializer.Serialize(aggregates, ExperimentSpec.Json);
        // Not cancellable: a finished run is recorded even while the host stops.
        var claimed = db.Experiments.Where(e => e.Id == id && e.ClaimedBy == claimant);
        if (aggregates is null)
            await claimed.ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, status).SetProperty(e => e.Error, error)
                .SetProperty(e => e.CompletedAt, now).SetProperty(e => e.LeaseUntil, (DateTime?)null), CancellationToken.None);
        else
        {
            int items = aggregates.Items, errors = aggregates.Errors;
            await claimed.ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, status).SetProperty(e => e.Aggregates, json).SetProperty(e => e.Error, error)
                .SetProperty(e => e.CompletedAt, now).SetProperty(e => e.LeaseUntil, (DateTime?)null)
                .SetProperty(e => e.CompletedItems, items).SetProperty(e => e.ErrorCount, errors), CancellationToken.None);
        }
        if (error is not null)
            LogFailed(logger, id, error);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Experiment {Id}: running {Todo} of {Items} items")]
    private static partial void LogRunning(ILogger logger, Guid id, int todo, int items);

    [LoggerMessage(Level = LogLevel.Information, Message = "Experiment {Id} completed: {Items} items, {Errors} gateway errors")]
    private static partial void LogCompleted(ILogger logger, Guid id, int items, int errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Id} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid id, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Id}: another replica holds it now; stopping")]
    private static partial void LogLostClaim(ILogger logger, Guid id);
}
