namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// At most one controller pass per project per <see cref="LoopOptions.MinPassIntervalMs"/>. While scores stream in, every
/// batch marks its project dirty; without a bound the controller re-read the whole window (up to
/// <see cref="LoopController.MaxWindowScores"/> scores) after every one, which cost a quarter of the evaluator's CPU. A
/// project marked again soon after a pass waits for the interval, then gets one pass that sees everything since. A pass
/// that took long (a big window) stretches its project's interval to <see cref="BusyFactor"/> times its duration, so the
/// controller never takes more than about a quarter of the time a project's scores stream in.
/// </summary>
public sealed class LoopPacer(TimeSpan minInterval)
{
    private readonly Dictionary<string, DateTimeOffset> _lastPass = new(StringComparer.Ordinal);
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimeSpan> _interval = new(StringComparer.Ordinal);

    public const int BusyFactor = 3;

    /// <summary>Records how long a project's pass took: the next waits at least <see cref="BusyFactor"/> times that.</summary>
    public void Took(string project, TimeSpan duration)
    {
        var stretched = duration * BusyFactor;
        if (stretched > minInterval)
            _interval[project] = stretched;
        else
            _interval.Remove(project);
    }

    private TimeSpan IntervalOf(string project) => _interval.TryGetValue(project, out var interval) ? interval : minInterval;

    /// <summary>Adds newly dirty projects and takes out those whose interval has passed (a project's pass is recorded as now).</summary>
    public List<string> Due(IEnumerable<string> dirty, DateTimeOffset now)
    {
        _waiting.UnionWith(dirty);
        var due = _waiting.Where(p => !_lastPass.TryGetValue(p, out var last) || now - last >= IntervalOf(p)).Order(StringComparer.Ordinal).ToList();
        foreach (var project in due)
        {
            _waiting.Remove(project);
            _lastPass[project] = now;
        }
        // Forget projects long quiet, so a process serving many projects does not keep them all.
        if (_lastPass.Count > 1_000)
            foreach (var quiet in _lastPass.Where(p => now - p.Value >= IntervalOf(p.Key) && !_waiting.Contains(p.Key)).Select(p => p.Key).ToList())
            {
                _lastPass.Remove(quiet);
                _interval.Remove(quiet);
            }
        return due;
    }

    /// <summary>How long until the next waiting project is due; null when none waits.</summary>
    public TimeSpan? NextDueIn(DateTimeOffset now) =>
        _waiting.Count == 0
            ? null
            : _waiting.Select(p => _lastPass.TryGetValue(p, out var last) ? last + IntervalOf(p) - now : TimeSpan.Zero).Min() is var wait && wait > TimeSpan.Zero
                ? wait
                : TimeSpan.Zero;
}
