using System.Text.Json;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Alerting.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Alerting.Features.Engine;

/// <summary>An alert as the engine keeps it: the lifecycle state plus what people did about this episode.</summary>
public sealed record TrackedAlert(AlertStatus Status, string? AcknowledgedBy = null, DateTimeOffset? AcknowledgedAt = null, string? ResolvedBy = null);

/// <summary>An AlertFired / AlertResolved the broker has not confirmed yet.</summary>
public sealed record UnpublishedEvent(string Kind, TrackedAlert Alert);

/// <summary>Everything the engine needs back after a restart.</summary>
public sealed record EngineState(
    IReadOnlyList<TrackedAlert> Alerts,
    IReadOnlyList<NotificationLogEntry> Log,
    IReadOnlyList<(Silence Silence, string? ProjectId)> Silences,
    IReadOnlyList<RuleRecord> ApiRules,
    IReadOnlyList<UnpublishedEvent> Unpublished);

/// <summary>What one engine step changed, written in one transaction.</summary>
public sealed class ChangeSet
{
    public Dictionary<string, (TrackedAlert Alert, string? Unpublished)> Upserts { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Deletes { get; } = new(StringComparer.Ordinal);
    public List<AlertHistoryRecord> History { get; } = [];
    public List<NotificationLogEntry> Log { get; } = [];
    public List<DeliveryRecord> Deliveries { get; } = [];
    public List<(Silence Silence, string? ProjectId)> Silences { get; } = [];
    public List<RuleRecord> RuleUpserts { get; } = [];
    public List<string> RuleDeletes { get; } = [];

    public bool IsEmpty => Upserts.Count == 0 && Deletes.Count == 0 && History.Count == 0 && Log.Count == 0 && Deliveries.Count == 0
        && Silences.Count == 0 && RuleUpserts.Count == 0 && RuleDeletes.Count == 0;

    /// <summary>Takes in a step's changes that could not be written, ahead of this step's own (which are newer).</summary>
    public void TakeOver(ChangeSet older)
    {
        foreach (var (fingerprint, (alert, unpublished)) in older.Upserts)
            if (!Upserts.ContainsKey(fingerprint) && !Deletes.Contains(fingerprint))
                Upserts[fingerprint] = (alert, unpublished);
            else if (Upserts.TryGetValue(fingerprint, out var newer) && newer.Unpublished is null && unpublished is not null)
                Upserts[fingerprint] = (newer.Alert, unpublished);
        foreach (var fingerprint in older.Deletes.Where(f => !Upserts.ContainsKey(f)))
            Deletes.Add(fingerprint);
        History.InsertRange(0, older.History);
        Log.InsertRange(0, older.Log);
        Deliveries.InsertRange(0, older.Deliveries);
        Silences.InsertRange(0, older.Silences);
        RuleUpserts.InsertRange(0, older.RuleUpserts);
        RuleDeletes.InsertRange(0, older.RuleDeletes);
    }

    public void Upsert(TrackedAlert alert, string? unpublished = null)
    {
        Deletes.Remove(alert.Status.Fingerprint);
        var keep = Upserts.TryGetValue(alert.Status.Fingerprint, out var earlier) ? earlier.Unpublished : null;
        Upserts[alert.Status.Fingerprint] = (alert, unpublished ?? keep);
    }
}

/// <summary>The engine's persistence: alert state, history, the notification log, deliveries, silences and API rules.</summary>
public sealed class AlertStore(IServiceScopeFactory scopes)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<EngineState> LoadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertingDbContext>();
        var recent = now.UtcDateTime - AlertStateMachine.ResolvedRetention;
        var rows = await db.Alerts.AsNoTracking()
            .Where(a => a.State != "resolved" || a.ResolvedAt >= recent || a.UnpublishedEvent != null)
            .ToListAsync(cancellationToken);
        var alerts = rows.Select(ToTracked).ToList();
        var unpublished = rows.Where(r => r.UnpublishedEvent is not null).Select(r => new UnpublishedEvent(r.UnpublishedEvent!, ToTracked(r))).ToList();
        var log = (await db.NotificationLog.AsNoTracking().ToListAsync(cancellationToken))
            .Select(l => new NotificationLogEntry(l.GroupKey, l.Receiver, Utc(l.LastNotifiedAt),
                JsonSerializer.Deserialize<List<string>>(l.FiringFingerprints, Json)!.ToHashSet(StringComparer.Ordinal), l.ResolvedSent))
            .ToList();
        var silences = (await db.Silences.AsNoTracking().Where(s => s.EndsAt > now.UtcDateTime).ToListAsync(cancellationToken))
            .Select(s => (ToSilence(s), s.ProjectId)).ToList();
        var rules = await db.Rules.AsNoTracking().OrderBy(r => r.Name).ToListAsync(cancellationToken);
        return new EngineState(alerts, log, silences, rules, unpublished);
    }

    public async Task SaveAsync(ChangeSet changes, CancellationToken cancellationToken)
    {
        if (changes.IsEmpty)
            return;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertingDbContext>();
        var keys = changes.Upserts.Keys.Concat(changes.Deletes).ToList();
        var existing = keys.Count == 0 ? [] : await db.Alerts.Where(a => keys.Contains(a.Fingerprint)).ToDictionaryAsync(a => a.Fingerprint, cancellationToken);
        foreach (var (fingerprint, (alert, unpublished)) in changes.Upserts)
        {
            if (!existing.TryGetValue(fingerprint, out var row))
            {
                row = new AlertRecord { Fingerprint = fingerprint, RuleName = "", Severity = "", Labels = "{}", Annotations = "{}", State = "" };
                db.Alerts.Add(row);
            }
            Fill(row, alert, unpublished);
        }
        foreach (var fingerprint in changes.Deletes)
            if (existing.TryGetValue(fingerprint, out var row) && row.State == "pending")
                db.Alerts.Remove(row);
        db.History.AddRange(changes.History);
        db.Deliveries.AddRange(changes.Deliveries);

        var groups = changes.Log.Select(l => l.GroupKey).Distinct().ToList();
        var logRows = groups.Count == 0 ? [] : await db.NotificationLog.Where(l => groups.Contains(l.GroupKey)).ToListAsync(cancellationToken);
        foreach (var entry in changes.Log)
        {
            var row = logRows.FirstOrDefault(l => l.GroupKey == entry.GroupKey && l.Receiver == entry.Receiver);
            if (row is null)
            {
                row = new NotificationLogRecord { GroupKey = entry.GroupKey, Receiver = entry.Receiver, FiringFingerprints = "[]" };
                db.NotificationLog.Add(row);
                logRows.Add(row);
            }
            row.LastNotifiedAt = entry.LastNotifiedAt.UtcDateTime;
            row.FiringFingerprints = JsonSerializer.Serialize(entry.FiringFingerprints.Order(StringComparer.Ordinal), Json);
            row.ResolvedSent = entry.ResolvedSent;
        }

        foreach (var (silence, projectId) in changes.Silences)
        {
            var row = await db.Silences.FindAsync([Guid.Parse(silence.Id)], cancellationToken);
            if (row is null)
            {
                row = new SilenceRecord { Id = Guid.Parse(silence.Id), Matchers = "[]", CreatedBy = silence.CreatedBy, Comment = silence.Comment, CreatedAt = DateTime.UtcNow };
                db.Silences.Add(row);
            }
            row.Matchers = JsonSerializer.Serialize(silence.Matchers.Select(m => m.ToString()), Json);
            row.StartsAt = silence.StartsAt.UtcDateTime;
            row.EndsAt = silence.EndsAt.UtcDateTime;
            row.Comment = silence.Comment;
            row.ProjectId = projectId;
            row.UpdatedAt = DateTime.UtcNow;
        }

        foreach (var rule in changes.RuleUpserts)
        {
            var row = await db.Rules.FindAsync([rule.Name], cancellationToken);
            if (row is null)
                db.Rules.Add(rule);
            else
            {
                row.Definition = rule.Definition;
                row.IntervalSeconds = rule.IntervalSeconds;
                row.UpdatedAt = rule.UpdatedAt;
            }
        }
        if (changes.RuleDeletes.Count > 0)
            await db.Rules.Where(r => changes.RuleDeletes.Contains(r.Name)).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The broker confirmed the event: clear the flag, unless a newer event replaced it meanwhile.</summary>
    public async Task MarkPublishedAsync(string fingerprint, string kind, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertingDbContext>();
        await db.Alerts.Where(a => a.Fingerprint == fingerprint && a.UnpublishedEvent == kind)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.UnpublishedEvent, (string?)null), cancellationToken);
    }

    /// <summary>Drops history and delivery records older than the retention, and resolved alerts not seen since.</summary>
    public async Task PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertingDbContext>();
        var cutoff = before.UtcDateTime;
        await db.History.Where(h => h.At < cutoff).ExecuteDeleteAsync(cancellationToken);
        await db.Deliveries.Where(d => d.At < cutoff).ExecuteDeleteAsync(cancellationToken);
        await db.Alerts.Where(a => a.State == "resolved" && a.UpdatedAt < cutoff && a.UnpublishedEvent == null).ExecuteDeleteAsync(cancellationToken);
        await db.Silences.Where(s => s.EndsAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        await db.NotificationLog.Where(l => l.ResolvedSent && l.LastNotifiedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
    }

    public static string StateName(AlertState state) => state switch
    {
        AlertState.Pending => "pending",
        AlertState.Firing => "firing",
        _ => "resolved",
    };

    private static void Fill(AlertRecord row, TrackedAlert alert, string? unpublished)
    {
        var status = alert.Status;
        row.RuleName = status.RuleName;
        row.ProjectId = status.Labels.GetValueOrDefault("project");
        row.Severity = status.Labels.GetValueOrDefault("severity") ?? "";
        row.Labels = JsonSerializer.Serialize(status.Labels, Json);
        row.Annotations = JsonSerializer.Serialize(status.Annotations, Json);
        row.State = StateName(status.State);
        row.ActiveAt = status.ActiveAt.UtcDateTime;
        row.FiredAt = status.FiredAt?.UtcDateTime;
        row.KeepFiringSince = status.KeepFiringSince?.UtcDateTime;
        row.ResolvedAt = status.ResolvedAt?.UtcDateTime;
        row.Value = double.IsFinite(status.Value) ? status.Value : 0;
        row.Threshold = status.Threshold is { } threshold && double.IsFinite(threshold) ? threshold : null;
        row.AcknowledgedBy = alert.AcknowledgedBy;
        row.AcknowledgedAt = alert.AcknowledgedAt?.UtcDateTime;
        row.ResolvedBy = alert.ResolvedBy;
        if (unpublished is not null)
            row.UnpublishedEvent = unpublished;
        row.UpdatedAt = DateTime.UtcNow;
    }

    private static TrackedAlert ToTracked(AlertRecord row) => new(
        new AlertStatus
        {
            Fingerprint = row.Fingerprint,
            RuleName = row.RuleName,
            Labels = new SortedDictionary<string, string>(JsonSerializer.Deserialize<Dictionary<string, string>>(row.Labels, Json)!, StringComparer.Ordinal),
            Annotations = JsonSerializer.Deserialize<Dictionary<string, string>>(row.Annotations, Json)!,
            State = row.State switch { "pending" => AlertState.Pending, "firing" => AlertState.Firing, _ => AlertState.Resolved },
            ActiveAt = Utc(row.ActiveAt),
            FiredAt = Utc(row.FiredAt),
            KeepFiringSince = Utc(row.KeepFiringSince),
            ResolvedAt = Utc(row.ResolvedAt),
            Value = row.Value,
            Threshold = row.Threshold,
        },
        row.AcknowledgedBy, Utc(row.AcknowledgedAt), row.ResolvedBy);

    /// <summary>A stored silence as the engine and the API use it (times as UTC).</summary>
    public static Silence ToSilence(SilenceRecord row) => new(row.Id.ToString(),
        JsonSerializer.Deserialize<List<string>>(row.Matchers, Json)!.Select(Matcher.Parse).ToList(),
        Utc(row.StartsAt), Utc(row.EndsAt), row.CreatedBy, row.Comment);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static DateTimeOffset? Utc(DateTime? value) => value is { } v ? Utc(v) : null;
}
