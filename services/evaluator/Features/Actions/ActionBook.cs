using System.Text.Json;
using LlmOps.Contracts.Actions;
using LlmOps.Evaluator.Features.FineTune;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using LlmOps.ServiceDefaults.Ids;

namespace LlmOps.Evaluator.Features.Actions;

/// <summary>
/// Turns a diagnosis into an action, at most once per kind and subject per cooldown: a deterministic id (the same
/// diagnosis within one cooldown period is one action, whichever replica saw it), the path-specific message with quoted
/// failing examples, the index message OptimizationActionProposed, and — for the RAG and fine-tune paths — a CloudEvent
/// on the actions topic for the customer's own indexer or training pipeline. Published first, recorded second: a failed
/// publish leaves nothing recorded, so the next pass proposes it again (with the same id, which actors deduplicate on).
/// </summary>
public sealed partial class ActionBook(EvaluatorDbContext db, BoundedPublisher publisher, ActionTopic topic, FineTuneCurator curator,
    IOptions<EvaluatorOptions> options, TimeProvider clock, ILogger<ActionBook> logger)
{
    /// <summary>The kinds and subjects of the project's actions still cooling down: <see cref="ProposeAsync"/> refuses a diagnosis among them.</summary>
    public async Task<HashSet<(string Kind, string Subject)>> CoolingDownAsync(string projectId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var cooling = await db.Actions.AsNoTracking().Where(a => a.ProjectId == projectId && a.CooldownUntil > now)
            .Select(a => new { a.Kind, a.Subject }).ToListAsync(cancellationToken);
        return [.. cooling.Select(a => (a.Kind, a.Subject))];
    }

    public async Task<bool> ProposeAsync(string projectId, Diagnosis diagnosis, CancellationToken cancellationToken)
    {
        var loop = options.Value.Loop;
        var now = clock.GetUtcNow().UtcDateTime;
        if (await db.Actions.AsNoTracking().AnyAsync(a => a.ProjectId == projectId && a.Kind == diagnosis.Kind && a.Subject == diagnosis.Subject
                                                          && a.CooldownUntil > now, cancellationToken))
            return false;

        var cooldown = TimeSpan.FromMinutes(loop.CooldownMinutes);
        var actionId = IdFor(projectId, diagnosis.Kind, diagnosis.Subject, now.Ticks / cooldown.Ticks);
        var nowOffset = new DateTimeOffset(now, TimeSpan.Zero);
        var examples = await ExamplesAsync(projectId, diagnosis.FailingTraceIds.Take(loop.Examples).ToList(), cancellationToken);

        var messages = new List<object>();
        object? extra = null;
        switch (diagnosis.Kind)
        {
            case ActionKinds.PromptRollback:
                messages.Add(new PromptRollbackRequested
                {
                    ActionId = actionId, ProjectId = projectId, PromptName = diagnosis.PromptName!, Label = loop.RollbackLabel,
                    FromVersion = diagnosis.PromptVersion!.Value, ToVersion = diagnosis.ToVersion!.Value, Reason = diagnosis.Summary,
                    Evidence = diagnosis.Evidence, RequestedAt = nowOffset,
                });
                break;
            case ActionKinds.PromptRevision:
                messages.Add(new PromptRevisionRequested
                {
                    ActionId = actionId, ProjectId = projectId, PromptName = diagnosis.PromptName!, PromptVersion = diagnosis.PromptVersion!.Value,
                    Reason = diagnosis.Summary, Evidence = diagnosis.Evidence, FailingExamples = examples, RequestedAt = nowOffset,
                });
                break;
            case ActionKinds.RetrievalImprovement:
                messages.Add(new RetrievalImprovementRequested
                {
                    ActionId = actionId, ProjectId = projectId, DataSourceId = diagnosis.DataSourceId, Metric = diagnosis.Metric,
                    Reason = diagnosis.Summary, Evidence = diagnosis.Evidence, FailingQueries = examples, RequestedAt = nowOffset,
                });
                break;
            case ActionKinds.KnowledgeGap:
                messages.Add(new KnowledgeGapDetected
                {
                    ActionId = actionId, ProjectId = projectId, DataSourceId = diagnosis.DataSourceId,
                    Topic = diagnosis.Subject[(diagnosis.Subject.IndexOf(':', 4) + 1)..],
                    ExampleQueries = examples.Select(e => e.Input).OfType<string>().ToList(),
                    QueryCount = diagnosis.FailingTraceIds.Count, Evidence = diagnosis.Evidence, DetectedAt = nowOffset,
                });
                break;
            case ActionKinds.FineTuneCuration:
                var curation = await curator.CurateAsync(projectId, diagnosis.Model, diagnosis.FailingTraceIds, cancellationToken);
                messages.Add(new FineTuneExamplesCurated
                {
                    ActionId = actionId, ProjectId = projectId, DatasetId = curation.DatasetId, Model = diagnosis.Model,
                    AddedCount = curation.Added.Count, TotalCount = curation.Total, TargetCount = curation.Target,
                    AddedTraceIds = curation.Added, Evidence = diagnosis.Evidence, CuratedAt = nowOffset,
                });
                if (curation.BecameReady)
                {
                    extra = new FineTuneDatasetReady
                    {
                        ActionId = IdFor(projectId, ActionKinds.FineTuneDatasetReady, curation.DatasetId.ToString(), 0), ProjectId = projectId,
                        DatasetId = curation.DatasetId, Model = diagnosis.Model, ExampleCount = curation.Total, Format = "openai-chat",
                        ExportPath = $"/api/datasets/{curation.DatasetId}/export?format=openai-chat", ReadyAt = nowOffset,
                    };
                }
                break;
            default:
                throw new InvalidOperationException($"No message for action kind {diagnosis.Kind}.");
        }

        var proposed = new OptimizationActionProposed
        {
            ActionId = actionId, ProjectId = projectId, Path = diagnosis.Path, Kind = diagnosis.Kind, Summary = diagnosis.Summary,
            Evidence = diagnosis.Evidence, PromptName = diagnosis.PromptName, PromptVersion = diagnosis.PromptVersion, Model = diagnosis.Model,
            DataSourceId = diagnosis.DataSourceId, CooldownUntil = nowOffset + cooldown, ProposedAt = nowOffset,
        };
        await PublishAsync(diagnosis.Path, actionId, projectId, messages[0], cancellationToken);
        await publisher.PublishAsync(proposed, cancellationToken);
        if (extra is FineTuneDatasetReady readyMessage)
            await PublishAsync(diagnosis.Path, readyMessage.ActionId, projectId, extra, cancellationToken);

        db.Actions.Add(Record(projectId, actionId, diagnosis, messages[0], now, now + cooldown));
        if (extra is FineTuneDatasetReady ready)
        {
            db.Actions.Add(Record(projectId, ready.ActionId, diagnosis with
            {
                Kind = ActionKinds.FineTuneDatasetReady,
                Subject = $"dataset:{ready.DatasetId}",
                Summary = $"Fine-tune dataset {ready.DatasetId} reached {ready.ExampleCount} examples: export it from {ready.ExportPath}.",
            }, ready, now, DateTime.MaxValue.AddDays(-1)));
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another replica recorded the same action (same id) first: it stands once.
            db.ChangeTracker.Clear();
            return false;
        }
        LogProposed(logger, actionId, diagnosis.Kind, projectId, diagnosis.Summary);
        return true;
    }

    /// <summary>The same project, kind, subject and period always give the same id (UUID v8 shape from SHA-256).</summary>
    public static Guid IdFor(string projectId, string kind, string subject, long period)
        => StableGuid.From(projectId, kind, subject, period.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private async Task PublishAsync(string path, Guid actionId, string projectId, object message, CancellationToken cancellationToken)
    {
        await publisher.PublishAsync(message, message.GetType(), cancellationToken);
        // Outside subscribers act on the RAG and fine-tune paths; prompt actions are the registry's, inside the platform.
        if (path is ActionPaths.Rag or ActionPaths.FineTune)
            await topic.PublishAsync(actionId, projectId, message, cancellationToken);
    }

    private async Task<List<FailingExample>> ExamplesAsync(string projectId, List<string> traceIds, CancellationToken cancellationToken)
    {
        if (traceIds.Count == 0)
            return [];
        var traces = await db.EvaluatedTraces.AsNoTracking()
            .Where(t => t.ProjectId == projectId && traceIds.Contains(t.TraceId))
            .ToDictionaryAsync(t => t.TraceId, StringComparer.Ordinal, cancellationToken);
        return traceIds.Select(id => traces.TryGetValue(id, out var t)
                ? new FailingExample { TraceId = id, Input = Cut(t.Question), Output = Cut(t.Answer), Expected = Cut(t.Reference) }
                : new FailingExample { TraceId = id })
            .ToList();
    }

    private static ActionRecord Record(string projectId, Guid id, Diagnosis diagnosis, object details, DateTime now, DateTime cooldownUntil) => new()
    {
        Id = id,
        ProjectId = projectId,
        Path = diagnosis.Path,
        Kind = diagnosis.Kind,
        Subject = diagnosis.Subject.Length > 400 ? diagnosis.Subject[..400] : diagnosis.Subject,
        Summary = diagnosis.Summary,
        Evidence = JsonSerializer.Serialize(diagnosis.Evidence, JsonSerializerOptions.Web),
        Details = JsonSerializer.Serialize(details, details.GetType(), JsonSerializerOptions.Web),
        Status = ActionStatuses.Open,
        PromptName = diagnosis.PromptName,
        PromptVersion = diagnosis.PromptVersion,
        Model = diagnosis.Model,
        DataSourceId = diagnosis.DataSourceId,
        CreatedAt = now,
        CooldownUntil = cooldownUntil,
        UpdatedAt = now,
    };

    private static string? Cut(string? text) => text is { Length: > 2_000 } ? text[..2_000] + "…" : text;

    [LoggerMessage(Level = LogLevel.Information, Message = "Action {ActionId} ({Kind}) proposed for project {Project}: {Summary}")]
    private static partial void LogProposed(ILogger logger, Guid actionId, string kind, string project, string summary);
}

public static class ActionStatuses
{
    public const string Open = "open";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";
    public const string Dismissed = "dismissed";
}
