namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// Event ids this replica stored lately (per project, bounded, oldest forgotten first): a resent event is acknowledged
/// without being applied again. Entity upserts make a forgotten duplicate harmless too; this only keeps an old update
/// that arrives again from overwriting a newer one.
/// </summary>
public sealed class RecentEvents
{
    private const int Capacity = 200_000;

    private readonly Lock _gate = new();
    private readonly HashSet<(string, string)> _seen = [];
    private readonly Queue<(string, string)> _order = new();

    public bool Seen(string projectId, string eventId)
    {
        lock (_gate)
            return _seen.Contains((projectId, eventId));
    }

    public void Remember(string projectId, string eventId)
    {
        lock (_gate)
        {
            if (!_seen.Add((projectId, eventId)))
                return;
            _order.Enqueue((projectId, eventId));
            if (_order.Count > Capacity)
                _seen.Remove(_order.Dequeue());
        }
    }
}
