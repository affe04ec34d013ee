namespace LlmOps.Alerting.Features.Rules;

/// <summary>How a route batches alerts into notifications for one receiver (Alertmanager's route settings).</summary>
public sealed record GroupingPolicy
{
    /// <summary>All labels: each alert is its own group (Alertmanager's <c>group_by: ['...']</c>).</summary>
    public const string AllLabels = "...";

    public required string Receiver { get; init; }

    /// <summary>The route in the routing tree (<c>0.1</c>): two routes to one receiver keep apart groups (and log entries).</summary>
    public string RouteId { get; init; } = "";

    /// <summary>Alerts with equal values of these labels share a group; empty = one group for everything.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [AlertLabels.AlertName, "project"];

    public TimeSpan GroupWait { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan GroupInterval { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan RepeatInterval { get; init; } = TimeSpan.FromHours(4);
}

public enum NotificationReason { NewGroup, GroupChanged, Repeat, GroupResolved }

/// <summary>
/// One message to one receiver about one group: the alerts firing now and the ones that resolved since the receiver
/// was last told (by fingerprint, since a resolved alert may have been forgotten by the state machine already).
/// </summary>
public sealed record Notification(
    string GroupKey,
    string Receiver,
    IReadOnlyDictionary<string, string> GroupLabels,
    NotificationReason Reason,
    IReadOnlyList<AlertStatus> Firing,
    IReadOnlyList<AlertStatus> Resolved,
    IReadOnlySet<string> ResolvedFingerprints);

/// <summary>
/// Alertmanager's aggregation groups as a pure decision: given the alerts (firing and resolved, already stripped of
/// silenced and inhibited ones) and a clock reading, which groups are due a notification. A group the receiver has
/// never heard of is due <see cref="GroupingPolicy.GroupWait"/> after the scheduler first saw it firing, so a burst is
/// one notification, and a group whose alerts all resolved within that wait is never sent. Afterwards a group whose
/// firing set differs from the last one sent is due <see cref="GroupingPolicy.GroupInterval"/> after that send, an
/// unchanged one <see cref="GroupingPolicy.RepeatInterval"/> after it, and a group with nothing firing any more gets one
/// resolved notification (due GroupInterval after the last send). Everything else it needs is in the
/// <see cref="NotificationLog"/>, so a scheduler rebuilt from the log after a restart neither repeats a sent
/// notification early nor misses a resolve (fingerprints in the log that are no longer firing count as resolved, even
/// when the alert itself was lost). Call <see cref="MarkSent"/> once the receiver accepted a notification.
/// </summary>
public sealed class GroupScheduler(GroupingPolicy policy, NotificationLog log)
{
    private readonly Dictionary<string, DateTimeOffset> _firstSeenFiring = new(StringComparer.Ordinal);

    public GroupingPolicy Policy => policy;

    public IReadOnlyList<Notification> Due(DateTimeOffset now, IEnumerable<AlertStatus> alerts)
    {
        var due = new List<Notification>();
        var groups = alerts.Where(a => a.State != AlertState.Pending).GroupBy(a => GroupKey(a.Labels)).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var entry in log.Entries.Where(e => e.Receiver == policy.Receiver && e.GroupKey.StartsWith(KeyPrefix, StringComparison.Ordinal)
                                                     && !e.ResolvedSent && !groups.ContainsKey(e.GroupKey)))
            groups[entry.GroupKey] = []; // every alert of a notified group vanished (e.g. lost in a restart): still owed a resolve
        foreach (var (key, members) in groups)
        {
            var notification = Decide(now, key, members);
            if (notification is not null)
                due.Add(notification);
        }
        foreach (var key in _firstSeenFiring.Keys.Where(k => !groups.ContainsKey(k)).ToList())
            _firstSeenFiring.Remove(key);
        return due.OrderBy(n => n.GroupKey, StringComparer.Ordinal).ToList();
    }

    /// <summary>The earliest time a call to <see cref="Due"/> could return something new, for the caller's timer (null: nothing pending).</summary>
    public DateTimeOffset? NextDueAt(IEnumerable<AlertStatus> alerts)
    {
        DateTimeOffset? next = null;
        foreach (var group in alerts.Where(a => a.State != AlertState.Pending).GroupBy(a => GroupKey(a.Labels)))
        {
            var entry = ActiveEntry(group.Key);
            var firing = group.Any(a => a.State == AlertState.Firing);
            DateTimeOffset? at = entry is null
                ? firing && _firstSeenFiring.TryGetValue(group.Key, out var seen) ? seen + policy.GroupWait : null
                : entry.LastNotifiedAt + (Fingerprints(group, AlertState.Firing).SetEquals(entry.FiringFingerprints) ? policy.RepeatInterval : policy.GroupInterval);
            if (at is not null && (next is null || at < next))
                next = at;
        }
        return next;
    }

    public void MarkSent(Notification notification, DateTimeOffset at) =>
        log.Record(new NotificationLogEntry(notification.GroupKey, notification.Receiver, at,
            notification.Firing.Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal),
            ResolvedSent: notification.Reason == NotificationReason.GroupResolved));

    /// <summary>
    /// The route, the receiver and the group_by label values, e.g. <c>0.1/pagerduty:{alertname="cost_spike", project="acme"}</c>. Stable
    /// across restarts, so it doubles as the incident key of receivers that deduplicate (PagerDuty's dedup_key).
    /// </summary>
    public string GroupKey(IReadOnlyDictionary<string, string> labels) => KeyPrefix + AlertLabels.Format(GroupLabels(labels));

    /// <summary><c>{route}/{receiver}:</c>, or <c>{receiver}:</c> for a policy outside a routing tree.</summary>
    private string KeyPrefix => (policy.RouteId.Length > 0 ? policy.RouteId + "/" : "") + policy.Receiver + ":";

    public IReadOnlyDictionary<string, string> GroupLabels(IReadOnlyDictionary<string, string> labels) =>
        policy.GroupBy.Contains(GroupingPolicy.AllLabels)
            ? new Dictionary<string, string>(labels, StringComparer.Ordinal)
            : policy.GroupBy.Distinct().ToDictionary(name => name, name => labels.TryGetValue(name, out var value) ? value : "", StringComparer.Ordinal);

    private Notification? Decide(DateTimeOffset now, string key, List<AlertStatus> members)
    {
        var entry = ActiveEntry(key);
        var firing = members.Where(a => a.State == AlertState.Firing).OrderBy(a => a.Fingerprint, StringComparer.Ordinal).ToList();
        var firingSet = firing.Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);
        // A group whose alerts all vanished (lost in a restart) still has its labels in its key.
        var groupLabels = members.Count > 0 ? GroupLabels(members[0].Labels) : AlertLabels.Parse(key[KeyPrefix.Length..]);

        if (entry is null)
        {
            if (firing.Count == 0)
            {
                _firstSeenFiring.Remove(key); // resolved inside group_wait (or never fired here): never pages
                return null;
            }
            var seen = _firstSeenFiring.TryAdd(key, now) ? now : _firstSeenFiring[key];
            return now - seen >= policy.GroupWait
                ? new Notification(key, policy.Receiver, groupLabels, NotificationReason.NewGroup, firing, [], new HashSet<string>())
                : null;
        }

        _firstSeenFiring.Remove(key);
        var resolvedSet = entry.FiringFingerprints.Where(f => !firingSet.Contains(f)).ToHashSet(StringComparer.Ordinal);
        var resolved = members.Where(a => resolvedSet.Contains(a.Fingerprint)).OrderBy(a => a.Fingerprint, StringComparer.Ordinal).ToList();
        var elapsed = now - entry.LastNotifiedAt;
        if (firing.Count == 0)
            return elapsed >= policy.GroupInterval
                ? new Notification(key, policy.Receiver, groupLabels, NotificationReason.GroupResolved, [], resolved, resolvedSet)
                : null;
        if (!firingSet.SetEquals(entry.FiringFingerprints))
            return elapsed >= policy.GroupInterval
                ? new Notification(key, policy.Receiver, groupLabels, NotificationReason.GroupChanged, firing, resolved, resolvedSet)
                : null;
        return elapsed >= policy.RepeatInterval
            ? new Notification(key, policy.Receiver, groupLabels, NotificationReason.Repeat, firing, [], new HashSet<string>())
            : null;
    }

    /// <summary>The log entry of a group still open at the receiver; a group already resolved there starts afresh (group_wait again).</summary>
    private NotificationLogEntry? ActiveEntry(string key) => log.Find(key, policy.Receiver) is { ResolvedSent: false } entry ? entry : null;

    private static HashSet<string> Fingerprints(IEnumerable<AlertStatus> alerts, AlertState state) =>
        alerts.Where(a => a.State == state).Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);
}
