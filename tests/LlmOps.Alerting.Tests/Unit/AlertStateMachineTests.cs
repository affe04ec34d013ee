using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Tests.Unit;

public class AlertStateMachineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Acme = new() { ["project"] = "acme" };

    private static AlertRule Rule(TimeSpan forDuration, TimeSpan keepFiringFor) => new()
    {
        Name = "latency_p95",
        Metric = new MetricQuery { Kind = MetricKind.LatencyPercentile, Window = TimeSpan.FromMinutes(5), Percentile = 95, By = ["project"] },
        Condition = new ThresholdCondition(ComparisonOperator.GreaterThan, 3000),
        For = forDuration,
        KeepFiringFor = keepFiringFor,
        Labels = new Dictionary<string, string> { ["severity"] = "warning" },
        Annotations = new Dictionary<string, string> { ["summary"] = "p95 {{ $value }} ms in {{ $labels.project }}" },
    };

    private static IReadOnlyList<AlertTransition> Step(AlertStateMachine machine, int minute, bool holds, double value = 4000) =>
        machine.Evaluate(T0.AddMinutes(minute), [new SeriesObservation(Acme, new ConditionResult(holds, value, 3000))]);

    [Fact]
    public void An_alert_is_pending_until_for_has_elapsed_then_fires_once()
    {
        var machine = new AlertStateMachine(Rule(TimeSpan.FromMinutes(5), TimeSpan.Zero));

        Assert.Empty(Step(machine, 0, true));
        Assert.Equal(AlertState.Pending, Assert.Single(machine.Alerts).State);
        Assert.Empty(Step(machine, 4, true));
        var fired = Assert.Single(Step(machine, 5, true));
        Assert.Equal(TransitionKind.Fired, fired.Kind);
        Assert.Equal(T0, fired.Alert.ActiveAt);
        Assert.Equal(T0.AddMinutes(5), fired.Alert.FiredAt);
        Assert.Equal("p95 4000 ms in acme", fired.Alert.Annotations["summary"]);
        Assert.Equal("latency_p95", fired.Alert.Labels["alertname"]);
        Assert.Empty(Step(machine, 6, true));
    }

    [Fact]
    public void An_alert_resolved_while_pending_never_fires_nor_resolves()
    {
        var machine = new AlertStateMachine(Rule(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10)));

        Assert.Empty(Step(machine, 0, true));
        Assert.Empty(Step(machine, 3, false));
        Assert.Empty(machine.Alerts);
        Assert.Empty(Step(machine, 4, true)); // a new episode: for counts again from here
        Assert.Empty(Step(machine, 8, true));
        Assert.Equal(TransitionKind.Fired, Assert.Single(Step(machine, 9, true)).Kind);
    }

    [Fact]
    public void Keep_firing_for_damps_a_flapping_condition_into_one_alert()
    {
        var machine = new AlertStateMachine(Rule(TimeSpan.Zero, TimeSpan.FromMinutes(10)));
        var transitions = new List<AlertTransition>();

        // Flaps every minute for 30 minutes: true, false, true, false...
        for (var minute = 0; minute < 30; minute++)
            transitions.AddRange(Step(machine, minute, minute % 2 == 0));
        // Then stays false: resolves once keep_firing_for has passed since the last true.
        for (var minute = 30; minute <= 45; minute++)
            transitions.AddRange(Step(machine, minute, false));

        Assert.Equal([TransitionKind.Fired, TransitionKind.Resolved], transitions.Select(t => t.Kind));
        Assert.Equal(T0.AddMinutes(39), transitions[1].Alert.ResolvedAt); // false since minute 29, 10 minutes later
    }

    [Fact]
    public void Without_keep_firing_for_the_same_flapping_pages_every_flap()
    {
        var machine = new AlertStateMachine(Rule(TimeSpan.Zero, TimeSpan.Zero));
        var transitions = Enumerable.Range(0, 10).SelectMany(minute => Step(machine, minute, minute % 2 == 0)).ToList();

        Assert.Equal(5, transitions.Count(t => t.Kind == TransitionKind.Fired));
    }

    [Fact]
    public void A_series_missing_from_an_evaluation_counts_as_not_holding()
    {
        var machine = new AlertStateMachine(Rule(TimeSpan.Zero, TimeSpan.Zero));
        Step(machine, 0, true);

        var resolved = Assert.Single(machine.Evaluate(T0.AddMinutes(1), []));

        Assert.Equal(TransitionKind.Resolved, resolved.Kind);
        Assert.Equal(AlertState.Resolved, Assert.Single(machine.Alerts).State);
        machine.Evaluate(T0.AddMinutes(1) + AlertStateMachine.ResolvedRetention, []);
        Assert.Empty(machine.Alerts);
    }

    [Fact]
    public void State_restored_after_a_restart_does_not_fire_again()
    {
        var rule = Rule(TimeSpan.FromMinutes(5), TimeSpan.Zero);
        var before = new AlertStateMachine(rule);
        Step(before, 0, true);
        Step(before, 5, true);

        var after = new AlertStateMachine(rule, before.Alerts);

        Assert.Empty(Step(after, 6, true));
        Assert.Equal(TransitionKind.Resolved, Assert.Single(Step(after, 7, false)).Kind);
    }

    [Fact]
    public void The_fingerprint_is_a_stable_hash_of_the_sorted_labels()
    {
        var a = AlertLabels.Fingerprint(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        var b = AlertLabels.Fingerprint(new SortedDictionary<string, string> { ["a"] = "1", ["b"] = "2" });

        Assert.Equal(a, b);
        Assert.Matches("^[0-9a-f]{16}$", a);
        Assert.NotEqual(a, AlertLabels.Fingerprint(new Dictionary<string, string> { ["a"] = "1", ["b"] = "3" }));
        Assert.NotEqual(AlertLabels.Fingerprint(new Dictionary<string, string> { ["a"] = "1b" }), AlertLabels.Fingerprint(new Dictionary<string, string> { ["a1"] = "b" }));
    }
}
