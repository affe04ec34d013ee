using LlmOps.Alerting.Features.Rules;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Inference;
using static LlmOps.Alerting.Tests.Metrics.MetricSamples;

namespace LlmOps.Alerting.Tests.Metrics;

public class RateTests
{
    private static readonly WilsonCondition FivePercent = new(0.05, 100, 0.95);

    private static AlertRule Hallucination(RuleCondition condition, string window = "1h") =>
        Rule(MetricKind.ScoreRate, window, condition, m => m with { Score = "hallucination", ScoreLabel = "hallucinated", By = ["project"] });

    [Theory]
    [InlineData(8, false)]
    [InlineData(9, true)]
    public void Score_rate_pages_through_the_wilson_gate_only_at_9_of_100_not_8(int failures, bool holds)
    {
        var (store, _) = Store();
        for (var i = 0; i < 100; i++)
            store.Record(Score(Noon - TimeSpan.FromMinutes(i % 60), label: i < failures ? "Hallucinated" : "faithful"));

        var observation = Single(store.Observe(Hallucination(FivePercent), Noon));

        Assert.Equal(By(("project", "acme")), observation.Labels);
        Assert.Equal(failures / 100.0, observation.Result.Value, 10);
        Assert.Equal(holds, observation.Result.Holds);
    }

    [Fact]
    public void Score_rate_counts_only_ok_scores_of_the_rules_score()
    {
        var (store, _) = Store();
        store.Record(Score(Noon, label: "hallucinated"));
        store.Record(Score(Noon, label: "faithful"));
        store.Record(Score(Noon, label: "hallucinated", status: ScoreStatuses.Error));
        store.Record(Score(Noon, label: "hallucinated", status: ScoreStatuses.NotApplicable));
        store.Record(Score(Noon, label: "hallucinated", name: "toxicity"));

        var observation = Single(store.Observe(Hallucination(Above(0.4)), Noon));

        Assert.Equal(0.5, observation.Result.Value);
        Assert.True(observation.Result.Holds);
    }

    [Fact]
    public void Score_rate_below_fails_values_strictly_under_the_threshold()
    {
        var (store, _) = Store();
        foreach (var value in new[] { 0.1, 0.499, 0.5, 0.7, 1.0 })
            store.Record(Score(Noon, value, name: "faithfulness"));

        var rule = Rule(MetricKind.ScoreRate, "1h", Above(0), m => m with { Score = "faithfulness", Below = 0.5 });

        Assert.Equal(2 / 5.0, Single(store.Observe(rule, Noon)).Result.Value, 10);
    }

    [Fact]
    public void Error_rate_is_upstream_errors_and_timeouts_over_finished_calls_excluding_refusals_and_evaluator_traffic()
    {
        var (store, _) = Store();
        for (var i = 0; i < 6; i++)
            store.Record(Inference(Noon));
        store.Record(Inference(Noon, status: InferenceStatuses.UpstreamError));
        store.Record(Inference(Noon, status: InferenceStatuses.Timeout));
        foreach (var status in new[] { InferenceStatuses.Rejected, InferenceStatuses.RateLimited, InferenceStatuses.BudgetExceeded,
                     InferenceStatuses.Blocked, InferenceStatuses.ClientDisconnected, "something_new" })
            store.Record(Inference(Noon, status: status));
        store.Record(Inference(Noon, status: InferenceStatuses.UpstreamError, evaluator: true));

        var observation = Single(store.Observe(Rule(MetricKind.ErrorRate, "5m", Above(0.2)), Noon));

        Assert.Equal(2 / 8.0, observation.Result.Value, 10);
        Assert.True(observation.Result.Holds);
    }

    [Fact]
    public void Cache_hit_rate_is_exact_and_semantic_hits_over_cache_lookups()
    {
        var (store, _) = Store();
        store.Record(Inference(Noon, cache: CacheStatuses.Hit));
        store.Record(Inference(Noon, cache: CacheStatuses.SemanticHit));
        store.Record(Inference(Noon, cache: CacheStatuses.Miss));
        store.Record(Inference(Noon, cache: CacheStatuses.Miss));
        store.Record(Inference(Noon, cache: CacheStatuses.None));
        store.Record(Inference(Noon, cache: CacheStatuses.Bypass));
        store.Record(Inference(Noon, cache: CacheStatuses.Miss, project: "no-lookups-here") with { CacheStatus = CacheStatuses.None });

        var observations = store.Observe(Rule(MetricKind.CacheHitRate, "5m", new ThresholdCondition(ComparisonOperator.LessThan, 0.6),
            m => m with { By = ["project"] }), Noon);

        var acme = Assert.Single(observations);
        Assert.Equal(0.5, acme.Result.Value);
        Assert.True(acme.Result.Holds);
    }

    [Fact]
    public void Error_rate_burn_holds_only_when_both_the_long_and_the_short_window_burn()
    {
        var (store, _) = Store();
        // 1 h: 100 calls with 20 failures (20 % error, 20x burn at 99 %); the last 5 minutes: 10 calls, no failure.
        for (var i = 0; i < 90; i++)
            store.Record(Inference(Noon - TimeSpan.FromMinutes(10 + i % 40), status: i < 20 ? InferenceStatuses.UpstreamError : InferenceStatuses.Success));
        for (var i = 0; i < 10; i++)
            store.Record(Inference(Noon - TimeSpan.FromMinutes(2)));
        var burn = new BurnRateCondition(0.99, [new BurnWindow(TimeSpan.FromHours(1), TimeSpan.FromMinutes(5), 14.4)]);

        var quiet = Single(store.Observe(Rule(MetricKind.ErrorRate, "1h", burn), Noon));
        for (var i = 0; i < 5; i++)
            store.Record(Inference(Noon - TimeSpan.FromMinutes(1), status: InferenceStatuses.Timeout));
        var burning = Single(store.Observe(Rule(MetricKind.ErrorRate, "1h", burn), Noon));

        Assert.False(quiet.Result.Holds);
        Assert.Equal(20, quiet.Result.Value, 6);
        Assert.True(burning.Result.Holds);
        Assert.Equal(25 / 105.0 / 0.01, burning.Result.Value, 6);
    }

    [Fact]
    public void Latency_percentile_is_within_two_percent_of_the_exact_value_and_ignores_failed_calls()
    {
        var (store, _) = Store();
        for (var i = 1; i <= 100; i++)
            store.Record(Inference(Noon - TimeSpan.FromMinutes(i % 5), latencyMs: i * 10));
        store.Record(Inference(Noon, latencyMs: 60_000, status: InferenceStatuses.Timeout));

        var p95 = Single(store.Observe(Rule(MetricKind.LatencyPercentile, "5m", Above(900), m => m with { Percentile = 95 }), Noon));
        var p50 = Single(store.Observe(Rule(MetricKind.LatencyPercentile, "5m", Above(900), m => m with { Percentile = 50 }), Noon));

        Assert.InRange(p95.Result.Value, 950 * 0.98, 950 * 1.02);
        Assert.True(p95.Result.Holds);
        Assert.InRange(p50.Result.Value, 500 * 0.98, 500 * 1.02);
        Assert.False(p50.Result.Holds);
    }
}
