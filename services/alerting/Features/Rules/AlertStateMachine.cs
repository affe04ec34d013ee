namespace LlmOps.Alerting.Features.Rules;

public enum AlertState { Pending, Firing, Resolved }

/// <summary>
/// One alert of one rule (a rule has one per series): everything needed to notify about it and to rebuild the state
/// machine after a restart.
/// </summary>
public sealed record AlertStatus
{
    public required string Fingerprint { get; init; }
    public required string RuleName { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public required IReadOnlyDictionary<string, string> Annotations { get; init; }
    public required AlertState State { get; init; }

    /// <summary>When the condition started holding in this episode (the alert's <c>startsAt</c>).</summary>
    public required DateTimeOffset ActiveAt { get; init; }

    public DateTimeOffset? FiredAt { get; init; }

    /// <summary>First evaluation at which a firing alert's condition no longer held (null while it holds).</summary>
    public DateTimeOffset? KeepFiringSince { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }
    public required double Value { get; init; }
    public double? Threshold { get; init; }
}

/// <summary>The condition's outcome for one series (its <c>by</c> labels) at one evaluation.</summary>
public sealed record SeriesObservation(IReadOnlyDictionary<string, string> Labels, ConditionResult Result);

public enum TransitionKind { Fired, Resolved }

/// <summary>Something to act on: publish AlertFired / AlertResolved, hand the alert to the group scheduler.</summary>
public sealed record AlertTransition(TransitionKind Kind, AlertStatus Alert);

/// <summary>
/// The Prometheus alert lifecycle for one rule. A series whose condition holds becomes pending; it fires once the
/// condition has held for <see cref="AlertRule.For"/> (at once when that is zero). A firing alert whose condition stops
/// holding keeps firing until it has not held for <see cref="AlertRule.KeepFiringFor"/>, then resolves; holding again
/// in between cancels the countdown, so a flapping condition yields one long alert instead of a page per flap.
/// A pending alert whose condition stops holding is dropped silently: it never fired, so nothing resolves.
/// A series missing from an evaluation counts as not holding. Resolved alerts stay visible for
/// <see cref="ResolvedRetention"/>, then are forgotten. Not thread-safe: one evaluation loop owns it.
/// </summary>
public sealed class AlertStateMachine
{
    public static readonly TimeSpan ResolvedRetention = TimeSpan.FromMinutes(15);

    private readonly AlertRule _rule;
    private readonly Dictionary<string, AlertStatus> _alerts = new(StringComparer.Ordinal);

    /// <param name="restored">The alerts of a previous run (<see cref="Alerts"/> as persisted), to carry pending and firing state over a restart.</param>
    public AlertStateMachine(AlertRule rule, IEnumerable<AlertStatus>? restored = null)
    {
        _rule = rule;
        foreach (var alert in restored ?? [])
            if (alert.RuleName == rule.Name)
                _alerts[alert.Fingerprint] = alert;
    }

    /// <summary>Pending, firing and recently resolved alerts, by fingerprint order.</summary>
    public IReadOnlyList<AlertStatus> Alerts => _alerts.Values.OrderBy(a => a.Fingerprint, StringComparer.Ordinal).ToList();

    public IReadOnlyList<AlertTransition> Evaluate(DateTimeOffset at, IEnumerable<SeriesObservation> observations)
    {
        var transitions = new List<AlertTransition>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var observation in observations)
        {
            var labels = AlertLabels.For(_rule, observation.Labels);
            var fingerprint = AlertLabels.Fingerprint(labels);
            if (!seen.Add(fingerprint))
                throw new ArgumentException($"Two observations of rule {_rule.Name} have the labels {AlertLabels.Format(labels)}.", nameof(observations));
            _alerts.TryGetValue(fingerprint, out var current);
            var next = Step(current, at, observation.Result.Holds, fingerprint, labels, observation.Result);
            Apply(fingerprint, current, next, transitions);
        }
        foreach (var (fingerprint, current) in _alerts.Where(a => !seen.Contains(a.Key)).ToList())
            Apply(fingerprint, current, Step(current, at, holds: false, fingerprint, current.Labels, new ConditionResult(false, current.Value, current.Threshold)), transitions);
        return transitions;
    }

    /// <summary>
    /// A person resolved the alert: a firing one becomes resolved now (one <see cref="TransitionKind.Resolved"/>), a pending
    /// one is dropped (it never fired), anything else is left alone (null). The caller keeps a series resolved by hand
    /// from firing again until its condition has stopped holding once.
    /// </summary>
    public AlertTransition? Resolve(string fingerprint, DateTimeOffset at)
    {
        if (!_alerts.TryGetValue(fingerprint, out var current))
            return null;
        if (current.State == AlertState.Pending)
        {
            _alerts.Remove(fingerprint);
            return null;
        }
        if (current.State != AlertState.Firing)
            return null;
        var next = current with { State = AlertState.Resolved, KeepFiringSince = current.KeepFiringSince ?? at, ResolvedAt = at };
        _alerts[fingerprint] = next;
        return new AlertTransition(TransitionKind.Resolved, next);
    }

    private void Apply(string fingerprint, AlertStatus? current, AlertStatus? next, List<AlertTransition> transitions)
    {
        if (next is null)
        {
            _alerts.Remove(fingerprint);
            return;
        }
        _alerts[fingerprint] = next;
        if (next.State == AlertState.Firing && current?.State != AlertState.Firing)
            transitions.Add(new AlertTransition(TransitionKind.Fired, next));
        else if (next.State == AlertState.Resolved && current?.State == AlertState.Firing)
            transitions.Add(new AlertTransition(TransitionKind.Resolved, next));
    }

    private AlertStatus? Step(AlertStatus? current, DateTimeOffset at, bool holds, string fingerprint,
        IReadOnlyDictionary<string, string> labels, ConditionResult result)
    {
        if (holds)
        {
            var startsNewEpisode = current is null || current.State == AlertState.Resolved;
            var activeAt = startsNewEpisode ? at : current!.ActiveAt;
            var firing = (!startsNewEpisode && current!.State == AlertState.Firing) || at - activeAt >= _rule.For;
            return new AlertStatus
            {
                Fingerprint = fingerprint,
                RuleName = _rule.Name,
                Labels = labels,
                Annotations = AnnotationTemplate.RenderAll(_rule, labels, result.Value),
                State = firing ? AlertState.Firing : AlertState.Pending,
                ActiveAt = activeAt,
                FiredAt = firing ? (startsNewEpisode ? at : current!.FiredAt ?? at) : null,
                KeepFiringSince = null,
                Value = result.Value,
                Threshold = result.Threshold,
            };
        }
        switch (current?.State)
        {
            case null or AlertState.Pending:
                return null;
            case AlertState.Resolved:
                return at - current.ResolvedAt >= ResolvedRetention ? null : current;
            default:
                var since = current.KeepFiringSince ?? at;
                if (at - since < _rule.KeepFiringFor)
                    return current with { KeepFiringSince = since };
                return current with
                {
                    State = AlertState.Resolved,
                    KeepFiringSince = since,
                    ResolvedAt = at,
                    Value = result.Value,
                    Annotations = AnnotationTemplate.RenderAll(_rule, current.Labels, result.Value),
                };
        }
    }
}
