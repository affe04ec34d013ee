using LlmOps.Alerting.Features.Rules;
using LlmOps.Contracts.Cost;
using static LlmOps.Alerting.Tests.Metrics.MetricSamples;

namespace LlmOps.Alerting.Tests.Metrics;

public class TotalsTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public void Cost_sums_priced_costs_in_the_window_and_leaves_out_an_event_one_second_before_it()
    {
        var (store, _) = Store();
        store.Record(Cost(Noon - Hour, 1.25m));               // first instant of the window: in
        store.Record(Cost(Noon - Hour - Second, 100m));       // one second before: out
        store.Record(Cost(Noon - TimeSpan.FromMinutes(30), 2.50m));
        store.Record(Cost(Noon, 0.25m));                       // now: in
        store.Record(Cost(Noon - TimeSpan.FromMinutes(5), null, priced: false)); // unpriced: no dollars

        var observation = Single(store.Observe(Rule(MetricKind.Cost, "1h", Above(3.99)), Noon));

        Assert.Equal(4.0, observation.Result.Value, 10);
        Assert.True(observation.Result.Holds);
        Assert.Empty(observation.Labels);
    }

    [Fact]
    public void Cost_filters_keep_matching_series_and_by_splits_one_observation_per_value_with_only_the_by_labels()
    {
        var (store, _) = Store();
        store.Record(Cost(Noon, 1m, project: "acme", model: "gpt-4o", feature: "chat"));
        store.Record(Cost(Noon, 2m, project: "acme", model: "gpt-4o-mini", feature: "chat"));
        store.Record(Cost(Noon, 4m, project: "acme", model: "gpt-4o", feature: "search"));
        store.Record(Cost(Noon, 8m, project: "globex", model: "gpt-4o", feature: "chat"));

        var rule = Rule(MetricKind.Cost, "1h", Above(2), m => m with { Filters = By(("project", "acme")), By = ["model"] });
        var observations = store.Observe(rule, Noon);

        Assert.Equal(2, observations.Count);
        Assert.Equal(By(("model", "gpt-4o")), observations[0].Labels);
        Assert.Equal(5, observations[0].Result.Value, 10);
        Assert.True(observations[0].Result.Holds);
        Assert.Equal(By(("model", "gpt-4o-mini")), observations[1].Labels);
        Assert.Equal(2, observations[1].Result.Value, 10);
        Assert.False(observations[1].Result.Holds);
    }

    [Fact]
    public void A_by_label_the_events_do_not_carry_groups_them_under_an_empty_value()
    {
        var (store, _) = Store();
        store.Record(Cost(Noon, 1m));
        store.Record(Cost(Noon, 2m, feature: "chat"));

        var observations = store.Observe(Rule(MetricKind.Cost, "1h", Above(0), m => m with { By = ["feature"] }), Noon);

        Assert.Equal([By(("feature", "")), By(("feature", "chat"))], observations.Select(o => o.Labels));
        Assert.Equal([1.0, 2.0], observations.Select(o => o.Result.Value));
    }

    [Fact]
    public void Unpriced_model_counts_unpriced_calls_per_project_and_model_and_ignores_priced_ones()
    {
        var (store, _) = Store();
        store.Record(Cost(Noon - TimeSpan.FromMinutes(10), null, model: "llama-x", priced: false));
        store.Record(Cost(Noon - TimeSpan.FromMinutes(20), null, model: "llama-x", priced: false));
        store.Record(Cost(Noon - TimeSpan.FromMinutes(20), 1m, model: "gpt-4o"));
        store.Record(Cost(Noon - TimeSpan.FromMinutes(61), null, model: "old-model", priced: false));

        var rule = Rule(MetricKind.UnpricedModel, "1h", Above(0), m => m with { By = ["project", "model"] });
        var observation = Single(store.Observe(rule, Noon));

        Assert.Equal(By(("project", "acme"), ("model", "llama-x")), observation.Labels);
        Assert.Equal(2, observation.Result.Value);
        Assert.True(observation.Result.Holds);
    }

    [Fact]
    public void Budget_events_count_crossings_and_exhaustions_split_by_event()
    {
        var (store, _) = Store();
        var budget = Guid.NewGuid();
        var start = Noon.AddDays(-1);
        store.Record(new BudgetThresholdCrossed { BudgetId = budget, ProjectId = "acme", Scope = BudgetScopes.Project, ScopeValue = "acme", PeriodStart = start, ThresholdPercent = 50, CrossedAt = Noon - TimeSpan.FromMinutes(30) });
        store.Record(new BudgetThresholdCrossed { BudgetId = budget, ProjectId = "acme", Scope = BudgetScopes.Project, ScopeValue = "acme", PeriodStart = start, ThresholdPercent = 80, CrossedAt = Noon - TimeSpan.FromMinutes(20) });
        store.Record(new BudgetExhausted { BudgetId = budget, ProjectId = "acme", Scope = BudgetScopes.Project, ScopeValue = "acme", PeriodStart = start, ExhaustedAt = Noon - TimeSpan.FromMinutes(10) });

        var all = Single(store.Observe(Rule(MetricKind.BudgetEvent, "1h", Above(0), m => m with { By = ["project"] }), Noon));
        var split = store.Observe(Rule(MetricKind.BudgetEvent, "1h", Above(0), m => m with { By = ["event"] }), Noon);
        var exhausted = Single(store.Observe(Rule(MetricKind.BudgetEvent, "1h", Above(0), m => m with { Filters = By(("event", "exhausted")) }), Noon));

        Assert.Equal(3, all.Result.Value);
        Assert.Equal([("exhausted", 1.0), ("threshold_crossed", 2.0)], split.Select(o => (o.Labels["event"], o.Result.Value)));
        Assert.Equal(1, exhausted.Result.Value);
    }

    [Fact]
    public void An_empty_window_gives_no_observation_rather_than_a_zero()
    {
        var (store, _) = Store();
        store.Record(Cost(Noon - TimeSpan.FromHours(3), 5m));

        Assert.Empty(store.Observe(Rule(MetricKind.Cost, "1h", new ThresholdCondition(ComparisonOperator.LessThan, 1)), Noon));
    }

    [Fact]
    public void A_window_longer_than_the_minute_retention_is_cut_to_it()
    {
        var (store, clock) = Store(Noon - TimeSpan.FromHours(30));
        store.Record(Cost(clock.Now, 7m));
        clock.Now = Noon;
        store.Record(Cost(Noon, 1m));

        Assert.Equal(1, Single(store.Observe(Rule(MetricKind.Cost, "2d", Above(0)), Noon)).Result.Value);
    }
}
