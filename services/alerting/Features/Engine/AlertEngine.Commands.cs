using LlmOps.Alerting.Features.Rules;
using LlmOps.Alerting.Infrastructure;

namespace LlmOps.Alerting.Features.Engine;

public enum CommandOutcome { Done, NotFound, Conflict, Exists }

public sealed partial class AlertEngine
{
    /// <summary>Someone is on it: kept with the alert until its episode ends; reminders (repeat_interval) stop while all of a group is acknowledged.</summary>
    public Task<(CommandOutcome Outcome, AlertView? Alert)> AcknowledgeAsync(string fingerprint, string by, string? note, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        CommandAsync(now, cancellationToken, (changes, events) =>
        {
            var alert = Find(fingerprint);
            if (alert is null)
                return CommandOutcome.NotFound;
            if (alert.State != AlertState.Firing)
                return CommandOutcome.Conflict;
            var tracked = Track(alert) with { AcknowledgedBy = by, AcknowledgedAt = now };
            _people[fingerprint] = tracked;
            changes.Upsert(tracked);
            changes.History.Add(History(alert, "acknowledged", now, by, note));
            return CommandOutcome.Done;
        }, fingerprint);

    /// <summary>
    /// A person resolved a firing alert: AlertResolved goes out now with who, and the receivers are told at the group's
    /// next notification. While its condition still holds it stays resolved; once the condition has cleared, a new breach
    /// fires again.
    /// </summary>
    public Task<(CommandOutcome Outcome, AlertView? Alert)> ResolveAsync(string fingerprint, string by, string? note, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        CommandAsync(now, cancellationToken, (changes, events) =>
        {
            var alert = Find(fingerprint);
            if (alert is null)
                return CommandOutcome.NotFound;
            if (alert.State != AlertState.Firing)
                return CommandOutcome.Conflict;
            var runtime = _rules[alert.RuleName];
            var transition = runtime.Machine.Resolve(fingerprint, now)!;
            var tracked = Track(transition.Alert) with { ResolvedBy = by };
            _people[fingerprint] = tracked;
            _handResolved[fingerprint] = alert.RuleName;
            runtime.Persisted[fingerprint] = transition.Alert;
            changes.Upsert(tracked, AlertEventKinds.Resolved);
            changes.History.Add(History(transition.Alert, AlertEventKinds.Resolved, now, by, note));
            events.Add(new UnpublishedEvent(AlertEventKinds.Resolved, tracked));
            return CommandOutcome.Done;
        }, fingerprint);

    /// <summary>Adds or replaces a silence (expiring one = replacing it with an end of now).</summary>
    public Task PutSilenceAsync(Silence silence, string? projectId, DateTimeOffset now, CancellationToken cancellationToken) =>
        CommandAsync(now, cancellationToken, (changes, _) =>
        {
            lock (_silences)
            {
                if (silence.EndsAt <= now)
                    _silences.Remove(silence.Id);
                else
                    _silences[silence.Id] = (silence, projectId);
            }
            changes.Silences.Add((silence, projectId));
            return CommandOutcome.Done;
        }, null);

    public (Silence Silence, string? ProjectId)? FindSilence(string id)
    {
        lock (_silences)
            return _silences.TryGetValue(id, out var silence) ? silence : null;
    }

    /// <summary>Adds or replaces a rule given through the API; its series keep their state when only details change.</summary>
    /// <param name="create">True: only a new rule (<see cref="CommandOutcome.Exists"/> otherwise); false: only an existing API rule (<see cref="CommandOutcome.NotFound"/>).</param>
    public Task<CommandOutcome> PutRuleAsync(ScheduledRule scheduled, bool create, string by, DateTimeOffset now, CancellationToken cancellationToken) =>
        OutcomeOnly(CommandAsync(now, cancellationToken, (changes, events) =>
        {
            var name = scheduled.Rule.Name;
            _rules.TryGetValue(name, out var existing);
            if (existing?.Scheduled.Source == RuleSources.File)
                return CommandOutcome.Conflict;
            if (create && existing is not null)
                return CommandOutcome.Exists;
            if (!create && existing is null)
                return CommandOutcome.NotFound;
            var restored = existing?.Machine.Alerts ?? [];
            AddRule(scheduled, restored, now);
            changes.RuleUpserts.Add(new RuleRecord
            {
                Name = name,
                Definition = scheduled.Definition ?? "",
                IntervalSeconds = (int)scheduled.Interval.TotalSeconds,
                CreatedBy = by,
                CreatedAt = now.UtcDateTime,
                UpdatedAt = now.UtcDateTime,
            });
            return CommandOutcome.Done;
        }, null));

    /// <summary>Removes an API rule; its firing alerts resolve (by "rule deleted by ...").</summary>
    public Task<CommandOutcome> DeleteRuleAsync(string name, string by, DateTimeOffset now, CancellationToken cancellationToken) =>
        OutcomeOnly(CommandAsync(now, cancellationToken, (changes, events) =>
        {
            if (!_rules.TryGetValue(name, out var runtime))
                return CommandOutcome.NotFound;
            if (runtime.Scheduled.Source == RuleSources.File)
                return CommandOutcome.Conflict;
            foreach (var alert in runtime.Machine.Alerts.Where(a => a.State == AlertState.Firing).ToList())
            {
                var transition = runtime.Machine.Resolve(alert.Fingerprint, now)!;
                var tracked = Track(transition.Alert) with { ResolvedBy = $"rule deleted by {by}" };
                changes.Upsert(tracked, AlertEventKinds.Resolved);
                changes.History.Add(History(transition.Alert, AlertEventKinds.Resolved, now, tracked.ResolvedBy, null));
                events.Add(new UnpublishedEvent(AlertEventKinds.Resolved, tracked));
            }
            foreach (var alert in runtime.Machine.Alerts.Where(a => a.State == AlertState.Pending))
                changes.Deletes.Add(alert.Fingerprint);
            _rules.Remove(name);
            foreach (var (fingerprint, _) in _handResolved.Where(h => h.Value == name).ToList())
                _handResolved.Remove(fingerprint);
            changes.RuleDeletes.Add(name);
            return CommandOutcome.Done;
        }, null));

    private AlertStatus? Find(string fingerprint) =>
        _rules.Values.Select(r => r.Machine.Alerts.FirstOrDefault(a => a.Fingerprint == fingerprint)).FirstOrDefault(a => a is not null);

    private static async Task<CommandOutcome> OutcomeOnly(Task<(CommandOutcome Outcome, AlertView? Alert)> command) => (await command).Outcome;

    private async Task<(CommandOutcome Outcome, AlertView? Alert)> CommandAsync(DateTimeOffset now, CancellationToken cancellationToken,
        Func<ChangeSet, List<UnpublishedEvent>, CommandOutcome> apply, string? fingerprint)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_started)
                throw new InvalidOperationException("The alert engine has not started yet.");
            var changes = new ChangeSet();
            var events = new List<UnpublishedEvent>();
            var outcome = apply(changes, events);
            // Applied in memory: written and announced whatever happens to the caller's request now.
            await SaveAsync(changes, events, CancellationToken.None);
            RefreshViews(now);
            return (outcome, fingerprint is null ? null : _alertViews.FirstOrDefault(v => v.Status.Fingerprint == fingerprint));
        }
        finally
        {
            _gate.Release();
        }
    }
}
