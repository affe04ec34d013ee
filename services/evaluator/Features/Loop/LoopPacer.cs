namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// At most one controller pass per project per <see cref="LoopOptions.MinPassIntervalMs"/>. While scores stream in, every
/// batch marks its project dirty; without a bound the controller re-read the whole window (up to
/// <see cref="LoopController.MaxWindowScores"/> scores) after every one, which cost a quarter of the evaluator's CPU. A
/// project marked again soon after a pass waits for the interval, then gets one pass that sees everything since.
/// </summary>
public sealed class LoopPacer(TimeSpan minInterval)
{
    private readonly Dictionary<string, DateTimeOffset> _lastPass = new(StringComparer.Ordinal);
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);

    /// <summary>Adds newly dirty projects and takes out those whose interval has passed (a project's pass is recorded as now).</summary>
    public List<string> Due(IEnumerable<string> dirty, DateTimeOffset now)
    {
        _waiting.UnionWith(dirty);
        var due = _waiting.Where(p => !_lastPass.TryGetValue(p, out var last) || now - last >= minInterval).Order(StringComparer.Ordinal).ToList();
        foreach (var project in due)
        {
            _waiting.Remove(project);
            _lastPass[project] = now;
        }
        // Forget projects long quiet, so a process serving many projects does not keep them all.
        if (_lastPass.Count > 1_000)
            foreach (var quiet in _lastPass.Where(p => now - p.Value >= minInterval && !_waiting.Contains(p.Key)).Select(p => p.Key).ToList())
                _lastPass.Remove(quiet);
        return due;
    }

    /// <summary>How long until the next waiting project is due; null when none waits.</summary>
    public TimeSpan? NextDueIn(DateTimeOffset now) =>
        _waiting.Count == 0
            ? null
            : _waiting.Select(p => _lastPass.TryGetValue(p, out var last) ? last + minInterval - now : TimeSpan.Zero).Min() is var wait && wait > TimeSpan.Zero
                ? wait
                : TimeSpan.Zero;
}
