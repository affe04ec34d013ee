using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Actions;
using LlmOps.Contracts.Prompts;
using LlmOps.InferenceProxy.Infrastructure;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.InferenceProxy.Features.Prompts;

/// <summary>
/// Changes to prompts: new immutable versions, label moves (each audited, each undoable), policy, and the loop's
/// rollback requests. Every change is written to the registry's tables, applied to this replica's cache at once, and
/// announced (PromptChanged) so the other replicas reload the prompt.
/// </summary>
public sealed partial class PromptRegistry(InferenceProxyDbContext db, PromptCache cache, BoundedPublisher publisher,
    TimeProvider clock, ILogger<PromptRegistry> logger)
{
    public sealed record NewVersion(IReadOnlyList<PromptMessage> Messages, string? Model, JsonObject? Parameters, JsonNode? ResponseSchema,
        string? CommitMessage);

    public async Task<PromptVersionRecord> CreateVersionAsync(string projectId, string name, NewVersion request, string actor,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (!await db.Prompts.AnyAsync(p => p.ProjectId == projectId && p.Name == name, cancellationToken))
            db.Prompts.Add(new PromptRecord { ProjectId = projectId, Name = name, CreatedAt = now });
        var last = await db.PromptVersions.Where(v => v.ProjectId == projectId && v.Name == name)
            .MaxAsync(v => (int?)v.Version, cancellationToken) ?? 0;
        var version = new PromptVersionRecord
        {
            ProjectId = projectId,
            Name = name,
            Version = last + 1,
            Messages = JsonSerializer.Serialize(request.Messages, JsonSerializerOptions.Web),
            Model = request.Model,
            Parameters = request.Parameters?.ToJsonString(),
            ResponseSchema = request.ResponseSchema?.ToJsonString(),
            CommitMessage = request.CommitMessage,
            Author = actor,
            CreatedAt = now,
        };
        db.PromptVersions.Add(version);
        await db.SaveChangesAsync(cancellationToken);
        await RefreshAsync(projectId, name, PromptChanges.VersionCreated, null, version.Version, actor, cancellationToken);
        return version;
    }

    /// <summary>Points a label at a target and records the move. Returns an error message when the target is not valid.</summary>
    public async Task<string?> MoveLabelAsync(string projectId, string name, string label, LabelTarget target, string actor,
        string? reason, Guid? actionId, CancellationToken cancellationToken)
    {
        if (label == PromptSnapshot.LatestLabel)
            return "'latest' moves by itself to the newest version; it cannot be set.";
        var versions = await db.PromptVersions.Where(v => v.ProjectId == projectId && v.Name == name).Select(v => v.Version).ToListAsync(cancellationToken);
        if (versions.Count == 0)
            return $"No prompt named '{name}'.";
        if (target.VersionsUsed.FirstOrDefault(v => !versions.Contains(v)) is var unknown and > 0)
            return $"Prompt '{name}' has no version {unknown}.";

        var existing = await db.PromptLabels.SingleOrDefaultAsync(l => l.ProjectId == projectId && l.Name == name && l.Label == label, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var to = target.ToJson();
        db.PromptLabelEvents.Add(new PromptLabelEventRecord
        {
            Id = Guid.CreateVersion7(),
            ProjectId = projectId,
            Name = name,
            Label = label,
            FromTarget = existing?.Target,
            ToTarget = to,
            Actor = actor,
            Reason = reason,
            ActionId = actionId,
            At = now,
        });
        if (existing is null)
            db.PromptLabels.Add(new PromptLabelRecord { ProjectId = projectId, Name = name, Label = label, Target = to, UpdatedAt = now, UpdatedBy = actor });
        else
        {
            existing.Target = to;
            existing.UpdatedAt = now;
            existing.UpdatedBy = actor;
        }
        await db.SaveChangesAsync(cancellationToken);
        await RefreshAsync(projectId, name, PromptChanges.LabelMoved, label, target.Version, actor, cancellationToken);
        return null;
    }

    /// <summary>Moves a label back to where its last move took it from. Returns an error message when there is nothing to undo.</summary>
    public async Task<string?> UndoAsync(string projectId, string name, string label, string actor, string? reason, CancellationToken cancellationToken)
    {
        var last = await db.PromptLabelEvents.Where(e => e.ProjectId == projectId && e.Name == name && e.Label == label)
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Id).FirstOrDefaultAsync(cancellationToken);
        if (last?.FromTarget is null)
            return $"Label '{label}' of prompt '{name}' has no earlier position to go back to.";
        return await MoveLabelAsync(projectId, name, label, LabelTarget.FromJson(last.FromTarget), actor,
            reason ?? $"undo of the move at {last.At:O}", null, cancellationToken);
    }

    public async Task<bool> SetPolicyAsync(string projectId, string name, string policy, string actor, CancellationToken cancellationToken)
    {
        var prompt = await db.Prompts.SingleOrDefaultAsync(p => p.ProjectId == projectId && p.Name == name, cancellationToken);
        if (prompt is null)
            return false;
        prompt.Policy = policy;
        await db.SaveChangesAsync(cancellationToken);
        await RefreshAsync(projectId, name, PromptChanges.PolicyChanged, null, null, actor, cancellationToken);
        return true;
    }

    /// <summary>
    /// A rollback the loop controller asks for. Recorded once per action id (redelivery is harmless). Under the
    /// <c>auto</c> policy it is applied at once, unless the label has moved since the evidence was gathered (then it is
    /// stale: applying it would undo a person's later decision); under <c>approval</c> it waits for a person.
    /// </summary>
    public async Task HandleRollbackAsync(PromptRollbackRequested request, CancellationToken cancellationToken)
    {
        if (await db.PromptActions.AnyAsync(a => a.ActionId == request.ActionId, cancellationToken))
            return;
        var prompt = await db.Prompts.AsNoTracking().SingleOrDefaultAsync(p => p.ProjectId == request.ProjectId && p.Name == request.PromptName, cancellationToken);
        if (prompt is null)
        {
            LogUnknownPrompt(logger, request.ActionId, request.ProjectId, request.PromptName);
            return;
        }
        var action = new PromptActionRecord
        {
            ActionId = request.ActionId,
            ProjectId = request.ProjectId,
            Name = request.PromptName,
            Label = request.Label,
            FromVersion = request.FromVersion,
            ToVersion = request.ToVersion,
            Reason = request.Reason,
            Evidence = JsonSerializer.Serialize(request.Evidence, JsonSerializerOptions.Web),
            Status = PromptActionStatuses.Pending,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        if (prompt.Policy == PromptPolicies.Auto)
        {
            // Decided in the same write that records it: nobody ever sees an automatic rollback as pending.
            action.Status = await LabelPointsAtAsync(action, action.FromVersion, cancellationToken)
                ? PromptActionStatuses.Applied
                : PromptActionStatuses.Stale;
            action.DecidedBy = "loop-controller";
            action.DecisionReason = "auto policy";
            action.DecidedAt = action.CreatedAt;
        }
        db.PromptActions.Add(action);
        await db.SaveChangesAsync(cancellationToken);
        if (action.Status == PromptActionStatuses.Applied)
        {
            await MoveLabelAsync(action.ProjectId, action.Name, action.Label, new LabelTarget(action.ToVersion, null), "loop-controller",
                $"rollback: {action.Reason}", action.ActionId, cancellationToken);
        }
        LogDecided(logger, action.ActionId, action.Name, action.Status);
    }

    /// <summary>Approves or rejects a pending action. Returns an error message when it cannot be decided.</summary>
    public async Task<string?> DecideAsync(string projectId, string name, Guid actionId, bool approve, string actor, string? reason,
        CancellationToken cancellationToken)
    {
        var action = await db.PromptActions.SingleOrDefaultAsync(a => a.ActionId == actionId && a.ProjectId == projectId && a.Name == name, cancellationToken);
        if (action is null)
            return "not_found";
        if (action.Status != PromptActionStatuses.Pending)
            return $"The action is already {action.Status}.";
        await DecideAsync(action, approve, actor, reason, approve ? PromptActionStatuses.Approved : PromptActionStatuses.Rejected, cancellationToken);
        return null;
    }

    private async Task DecideAsync(PromptActionRecord action, bool approve, string actor, string? reason, string status, CancellationToken cancellationToken)
    {
        if (approve && !await LabelPointsAtAsync(action, action.FromVersion, cancellationToken))
            status = PromptActionStatuses.Stale;
        action.Status = status;
        action.DecidedBy = actor;
        action.DecisionReason = reason;
        action.DecidedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        if (status == PromptActionStatuses.Approved)
        {
            await MoveLabelAsync(action.ProjectId, action.Name, action.Label, new LabelTarget(action.ToVersion, null), actor,
                $"rollback: {action.Reason}", action.ActionId, cancellationToken);
        }
        LogDecided(logger, action.ActionId, action.Name, status);
    }

    /// <summary>Whether the action's label still points at the version the action wants to leave.</summary>
    private async Task<bool> LabelPointsAtAsync(PromptActionRecord action, int version, CancellationToken cancellationToken)
    {
        var label = await db.PromptLabels.AsNoTracking()
            .SingleOrDefaultAsync(l => l.ProjectId == action.ProjectId && l.Name == action.Name && l.Label == action.Label, cancellationToken);
        return label is not null && LabelTarget.FromJson(label.Target).Version == version;
    }

    private async Task RefreshAsync(string projectId, string name, string change, string? label, int? version, string actor,
        CancellationToken cancellationToken)
    {
        if (await PromptLoader.LoadAsync(db, projectId, name, cancellationToken) is { } snapshot)
            cache.Set(snapshot);
        try
        {
            await publisher.PublishAsync(new PromptChanged
            {
                ProjectId = projectId,
                PromptName = name,
                Change = change,
                Label = label,
                Version = version,
                Actor = actor,
                ChangedAt = clock.GetUtcNow(),
            }, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            // The change stands; other replicas pick it up with their periodic reload.
            LogNotAnnounced(logger, ex, name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollback {ActionId} names prompt {Prompt} of project {Project}, which does not exist; ignored")]
    private static partial void LogUnknownPrompt(ILogger logger, Guid actionId, string project, string prompt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollback {ActionId} of prompt {Prompt}: {Status}")]
    private static partial void LogDecided(ILogger logger, Guid actionId, string prompt, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prompt {Prompt} changed but the broker did not confirm the announcement; other replicas reload it within a minute")]
    private static partial void LogNotAnnounced(ILogger logger, Exception exception, string prompt);
}
