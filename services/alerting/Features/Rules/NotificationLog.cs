namespace LlmOps.Alerting.Features.Rules;

/// <summary>
/// What a receiver was last told about a group: when, which alerts were firing in it, and whether that notification
/// said the whole group had resolved. Written only after the receiver accepted the notification (2xx), so a crash
/// before that repeats it (at-least-once) and a restart after it does not.
/// </summary>
public sealed record NotificationLogEntry(
    string GroupKey,
    string Receiver,
    DateTimeOffset LastNotifiedAt,
    IReadOnlySet<string> FiringFingerprints,
    bool ResolvedSent);

/// <summary>The log the scheduler decides from; the caller persists <see cref="Entries"/> and passes them back after a restart.</summary>
public sealed class NotificationLog
{
    private readonly Dictionary<(string GroupKey, string Receiver), NotificationLogEntry> _entries = new();

    public NotificationLog(IEnumerable<NotificationLogEntry>? entries = null)
    {
        foreach (var entry in entries ?? [])
            _entries[(entry.GroupKey, entry.Receiver)] = entry;
    }

    public IReadOnlyCollection<NotificationLogEntry> Entries => _entries.Values;

    public NotificationLogEntry? Find(string groupKey, string receiver) => _entries.GetValueOrDefault((groupKey, receiver));

    public void Record(NotificationLogEntry entry) => _entries[(entry.GroupKey, entry.Receiver)] = entry;

    /// <summary>Drops entries of resolved groups last notified before <paramref name="before"/> (they decide nothing any more).</summary>
    public void Prune(DateTimeOffset before)
    {
        foreach (var key in _entries.Where(e => e.Value.ResolvedSent && e.Value.LastNotifiedAt < before).Select(e => e.Key).ToList())
            _entries.Remove(key);
    }
}
