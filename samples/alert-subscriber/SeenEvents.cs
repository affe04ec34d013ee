namespace LlmOps.Samples.AlertSubscriber;

/// <summary>
/// Deduplication on <c>source</c> + <c>id</c> (delivery is at least once), in bounded memory: the oldest keys are
/// forgotten past <c>capacity</c>. Redeliveries come soon after the first copy, so a window of recent keys catches
/// them; a subscriber whose handling must never repeat keeps the keys in its own database instead.
/// </summary>
public sealed class SeenEvents(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<string>> _keys = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _order = new();
    private readonly Lock _lock = new();

    /// <summary>True if this event is new (the caller handles it); false for a copy of one already handled or in hand.</summary>
    public bool TryClaim(string source, string id)
    {
        var key = source + "\n" + id;
        lock (_lock)
        {
            if (_keys.ContainsKey(key))
                return false;
            _keys[key] = _order.AddLast(key);
            if (_keys.Count > capacity)
            {
                _keys.Remove(_order.First!.Value);
                _order.RemoveFirst();
            }
            return true;
        }
    }

    /// <summary>Handling failed: forget the claim, so the redelivery is handled rather than taken for a copy.</summary>
    public void Release(string source, string id)
    {
        var key = source + "\n" + id;
        lock (_lock)
        {
            if (_keys.Remove(key, out var node))
                _order.Remove(node);
        }
    }
}
