namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// Everything one series did in one minute. Only the parts its events touch are non-zero (a cost series has no
/// latency), and the histograms exist only once needed. Mutated and read under its stripe's lock.
/// </summary>
public sealed class SeriesCell
{
    /// <summary>USD of priced costs.</summary>
    public double Cost;

    /// <summary>Priced cost events (a free call still makes the series present, at $0).</summary>
    public long PricedCalls;

    public long UnpricedCalls;
    public long BudgetEvents;

    /// <summary>Inferences that reached a provider and finished: success, upstream error, timeout.</summary>
    public long Finished;

    /// <summary>Of <see cref="Finished"/>, the upstream errors and timeouts.</summary>
    public long Failed;

    /// <summary>Inferences that consulted the cache (hit, semantic hit, miss).</summary>
    public long CacheLookups;

    public long CacheHits;
    public LatencyHistogram? Latency;
    public ScoreTally? Scores;

    /// <summary>Adds another cell's counts: exact for every part (sums, counts, histogram buckets, score points and labels).</summary>
    public void Merge(SeriesCell other)
    {
        Cost += other.Cost;
        PricedCalls += other.PricedCalls;
        UnpricedCalls += other.UnpricedCalls;
        BudgetEvents += other.BudgetEvents;
        Finished += other.Finished;
        Failed += other.Failed;
        CacheLookups += other.CacheLookups;
        CacheHits += other.CacheHits;
        if (other.Latency is { Count: > 0 } latency)
            (Latency ??= new LatencyHistogram()).Merge(latency);
        if (other.Scores is { Count: > 0 } scores)
            (Scores ??= new ScoreTally()).Merge(scores);
    }

    public void Trim()
    {
        Latency?.Trim();
        Scores?.Trim();
    }
}

/// <summary>One series' totals for one UTC day: what <c>baseline_ratio</c> compares, kept longer than the minutes.</summary>
public sealed class DayCell
{
    public double Cost;
    public long PricedCalls;
    public long UnpricedCalls;
    public long BudgetEvents;

    /// <summary>The highest error-queue depth seen that day (a gauge has no daily sum).</summary>
    public double QueueDepthMax;
}

/// <summary>
/// Cells keyed by series, split over stripes by the key's hash so that writers of different series rarely share a lock.
/// One instance per minute, rolled-up span or day; the lock is held only for a dictionary lookup and a few additions.
/// A rollup drains an instance with <see cref="Seal"/>: from then on <see cref="TryUpdate"/> refuses, and the writer
/// routes its event again (to the coarser cell), so no event lands in a drained instance and none is lost.
/// </summary>
public sealed class StripedCells<TCell> where TCell : class, new()
{
    public const int StripeCount = 16;

    private readonly Stripe[] _stripes = Enumerable.Range(0, StripeCount).Select(_ => new Stripe()).ToArray();

    public void Update<TState>(SeriesKey key, TState state, Action<TCell, TState> update)
    {
        if (!TryUpdate(key, state, update))
            throw new InvalidOperationException("These cells were sealed by a rollup.");
    }

    /// <summary>False when the cells were sealed (rolled up): the caller routes the update again.</summary>
    public bool TryUpdate<TState>(SeriesKey key, TState state, Action<TCell, TState> update)
    {
        var stripe = _stripes[(key.GetHashCode() & int.MaxValue) % StripeCount];
        lock (stripe.Gate)
        {
            if (stripe.Sealed)
                return false;
            if (!stripe.Cells.TryGetValue(key, out var cell))
                stripe.Cells[key] = cell = new TCell();
            update(cell, state);
            return true;
        }
    }

    /// <summary>Visits every cell one last time, each stripe under its lock, and refuses every later update.</summary>
    public void Seal<TState>(TState state, Action<SeriesKey, TCell, TState> visit)
    {
        foreach (var stripe in _stripes)
            lock (stripe.Gate)
            {
                stripe.Sealed = true;
                foreach (var (key, cell) in stripe.Cells)
                    visit(key, cell, state);
            }
    }

    /// <summary>Visits every cell, one stripe's lock at a time.</summary>
    public void ForEach<TState>(TState state, Action<SeriesKey, TCell, TState> visit)
    {
        foreach (var stripe in _stripes)
            lock (stripe.Gate)
                foreach (var (key, cell) in stripe.Cells)
                    visit(key, cell, state);
    }

    private sealed class Stripe
    {
        public readonly Lock Gate = new();
        public readonly Dictionary<SeriesKey, TCell> Cells = [];
        public bool Sealed;
    }
}
