namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// Paces the controller's passes over a project while its scores stream in. Every batch marks its project dirty; without
/// a bound the controller went over the whole window (up to <see cref="LoopController.MaxWindowScores"/> scores) after
/// every one: when it still read the rows, that cost a quarter of the evaluator's CPU, and even counted in the database it
/// is one set of grouped scans per batch. A project marked again soon after a pass waits, then gets one pass that sees
/// everything since. The wait follows what a pass costs: <see cref="CostFactor"/> times the project's last pass (so its
/// passes take at most a fifth of the time), at least <see cref="Floor"/>, at most the configured interval (also the wait
/// before a project's first measured pass). A small project gets its action within a few hundred milliseconds of the
/// score that tips it; a project with a window of 200,000 scores is looked at every second at most.
/// </summary>
public sealed class LoopPacer(TimeSpan maxInterval)
{
    public const int CostFactor = 4;
    public static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<string, (DateTimeOffset At, TimeSpan Interval)> _lastPass = new(StringComparer.Ordinal);
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);

    /// <summary>Adds newly dirty projects and takes out those whose wait is over (a project's pass is recorded as now).</summary>
    public List<string> Due(IEnumerable<string> dirty, DateTimeOffset now)
    {
        _waiting.UnionWith(dirty);
        var due = _waiting.Where(p => !_lastPass.TryGetValue(p, out var last) || now - last.At >= last.Interval).Order(StringComparer.Ordinal).ToList();
        foreach (var project in due)
        {
            _waiting.Remove(project);
            _lastPass[project] = (now, maxInterval);
        }
        // Forget projects long quiet, so a process serving many projects does not keep them all.
        if (_lastPass.Count > 1_000)
            foreach (var quiet in _lastPass.Where(p => now - p.Value.At >= maxInterval && !_waiting.Contains(p.Key)).Select(p => p.Key).ToList())
                _lastPass.Remove(quiet);
        return due;
    }

    /// <summary>A project's pass took <paramref name="duration"/>: its next one may come that much sooner.</summary>
    public void Ran(string project, TimeSpan duration)
    {
        if (_lastPass.TryGetValue(project, out var last))
        {
            var interval = duration * CostFactor;
            _lastPass[project] = (last.At, interval < Floor ? Min(Floor, maxInterval) : Min(interval, maxInterval));
        }
    }

    /// <summary>How long until the next waiting project is due; null when none waits.</summary>
    public TimeSpan? NextDueIn(DateTimeOffset now) =>
        _waiting.Count == 0
            ? null
            : _waiting.Select(p => _lastPass.TryGetValue(p, out var last) ? last.At + last.Interval - now : TimeSpan.Zero).Min() is var wait && wait > TimeSpan.Zero
                ? wait
                : TimeSpan.Zero;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
