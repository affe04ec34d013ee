using System.Collections.Concurrent;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// Where a series' cells live: per minute for the recent span (<see cref="MetricsOptions.RollupAfterHours"/>), then in
/// <see cref="MetricsOptions.RollupMinutes"/> cells, then in hour cells beyond <see cref="MetricsOptions.HourlyAfterHours"/>.
/// Cells are aligned to their width (since 1970-01-01), so four quarter-hours make an hour, and keyed by their first
/// minute. Once a minute (on the first Record or Observe of it) the tier boundaries move and the cells that crossed one
/// are merged into the coarser cell holding them: counts and sums add, histograms and score tallies merge bucket by
/// bucket, so nothing is approximated — only where in time an event lies becomes coarser.
/// </summary>
public sealed partial class MetricStore
{
    private readonly Tier[] _tiers;
    private readonly Lock _maintenance = new();

    private static Tier[] Tiers(MetricsOptions o)
    {
        var tiers = new List<Tier> { new(1, 0) };
        if (o.RollupAfterHours < o.MinuteRetentionHours)
            tiers.Add(new Tier(o.RollupMinutes, o.RollupAfterHours * 60));
        if (o.HourlyAfterHours < o.MinuteRetentionHours && o.RollupMinutes < 60)
            tiers.Add(new Tier(60, Math.Max(o.HourlyAfterHours, o.RollupAfterHours) * 60));
        return [.. tiers];
    }

    /// <summary>The tier an event or cell at <paramref name="minute"/> belongs to now (never finer than <paramref name="atLeast"/>).</summary>
    private int TierOf(long minute, int atLeast = 0)
    {
        var tier = atLeast;
        for (var i = _tiers.Length - 1; i > tier; i--)
            if (minute < _tiers[i].Floor)
                return i;
        return tier;
    }

    /// <summary>
    /// Applies an update to the cell holding <paramref name="minute"/> at its tier; false when that cell is past the
    /// retention. A cell sealed by a concurrent rollup makes the writer route again: the boundaries moved before the seal.
    /// </summary>
    private StripedCells<SeriesCell>? Put<TState>(SeriesKey key, long minute, long nowMinute, int atLeast, TState state, Action<SeriesCell, TState> update)
    {
        while (true)
        {
            var tier = _tiers[TierOf(minute, atLeast)];
            var start = AlignDown(minute, tier.Width);
            if (start <= nowMinute - _minuteRetention)
                return null;
            var cells = tier.Cells.GetOrAdd(start, static _ => new StripedCells<SeriesCell>());
            if (cells.TryUpdate(key, state, update))
                return cells;
        }
    }

    /// <summary>Moves the tier boundaries to <paramref name="nowMinute"/>, merges what crossed one and drops what left the retention.</summary>
    private void Roll(long nowMinute)
    {
        lock (_maintenance)
        {
            for (var i = 1; i < _tiers.Length; i++)
            {
                var floor = AlignDown(nowMinute - _tiers[i].AfterMinutes, _tiers[i].Width);
                if (floor > _tiers[i].Floor)
                    _tiers[i].Floor = floor;
            }
            var touched = new HashSet<StripedCells<SeriesCell>>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i + 1 < _tiers.Length; i++)
            {
                var coarser = _tiers[i + 1].Floor;
                foreach (var start in _tiers[i].Cells.Keys)
                {
                    if (start >= coarser || !_tiers[i].Cells.TryRemove(start, out var cells))
                        continue;
                    var state = (store: this, start, nowMinute, tier: i + 1, touched);
                    cells.Seal(state, static (key, cell, s) =>
                    {
                        if (s.store.Put(key, s.start, s.nowMinute, s.tier, cell, static (target, source) => target.Merge(source)) is { } target)
                            s.touched.Add(target);
                    });
                }
            }
            foreach (var cells in touched)
                cells.ForEach(0, static (_, cell, _) => cell.Trim());
            foreach (var tier in _tiers)
                foreach (var start in tier.Cells.Keys)
                    if (start <= nowMinute - _minuteRetention)
                        tier.Cells.TryRemove(start, out _);
        }
    }

    /// <summary>The cells whose first minute is in [first, last], oldest first (finer before coarser at one start).</summary>
    private List<(long Start, int Width, StripedCells<SeriesCell> Cells)> CellsStartingIn(long first, long last)
    {
        var found = new List<(long Start, int Width, StripedCells<SeriesCell> Cells)>();
        foreach (var tier in _tiers)
            foreach (var (start, cells) in tier.Cells)
                if (start >= first && start <= last)
                    found.Add((start, tier.Width, cells));
        found.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Width.CompareTo(b.Width));
        return found;
    }

    private static long AlignDown(long minute, int width) => minute - (((minute % width) + width) % width);

    /// <summary>One resolution: cells <see cref="Width"/> minutes wide, for minutes older than now − AfterMinutes.</summary>
    private sealed class Tier(int width, int afterMinutes)
    {
        public int Width { get; } = width;
        public int AfterMinutes { get; } = afterMinutes;
        public ConcurrentDictionary<long, StripedCells<SeriesCell>> Cells { get; } = new();

        /// <summary>Minutes before this are held at this tier or a coarser one (only ever moves forward).</summary>
        public long Floor
        {
            get => Volatile.Read(ref _floor);
            set => Volatile.Write(ref _floor, value);
        }

        private long _floor = long.MinValue;
    }
}
