using LlmOps.Alerting.Features.Metrics;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Contracts.Evaluation;
using static LlmOps.Alerting.Tests.Metrics.MetricSamples;

namespace LlmOps.Alerting.Tests.Metrics;

public class GaugeTests
{
    private static readonly AlertRule Stalled = Rule(MetricKind.EvaluatorLag, "5m", Above(600));

    private static EvaluatorProgressReported Report(DateTimeOffset at, double lag, string lane = "lexical", string instance = "e1") =>
        new() { Instance = instance, Lane = lane, LagSeconds = lag, Backlog = 3, IntervalSeconds = 15, ReportedAt = at };

    [Fact]
    public void No_evaluator_report_ever_means_no_lag_observation()
    {
        var (store, _) = Store();

        Assert.Empty(store.Observe(Stalled, Noon));
    }

    [Fact]
    public void Evaluator_lag_is_the_worst_lane_while_reports_are_fresh()
    {
        var (store, _) = Store();
        store.Record(Report(Noon - TimeSpan.FromSeconds(10), 4));
        store.Record(Report(Noon - TimeSpan.FromSeconds(5), 30, lane: "judge"));

        var observation = Single(store.Observe(Stalled, Noon));

        Assert.Equal(30, observation.Result.Value);
        Assert.False(observation.Result.Holds);
    }

    [Fact]
    public void Evaluator_lag_keeps_growing_once_reports_stop()
    {
        var (store, _) = Store();
        store.Record(Report(Noon, 20));

        var fresh = Single(store.Observe(Stalled, Noon + TimeSpan.FromSeconds(30))).Result;    // two periods: still fresh
        var silent = Single(store.Observe(Stalled, Noon + TimeSpan.FromSeconds(31))).Result;   // silent: 20 + 31
        var dead = Single(store.Observe(Stalled, Noon + TimeSpan.FromMinutes(15))).Result;     // 20 + 900

        Assert.Equal(20, fresh.Value);
        Assert.Equal(51, silent.Value);
        Assert.Equal(920, dead.Value);
        Assert.True(dead.Holds);
    }

    [Fact]
    public void A_replica_that_went_away_does_not_count_while_another_reports_for_its_lane()
    {
        var (store, _) = Store();
        store.Record(Report(Noon - TimeSpan.FromHours(1), 5, instance: "scaled-down"));
        store.Record(Report(Noon - TimeSpan.FromSeconds(3), 2, instance: "alive"));
        store.Record(Report(Noon - TimeSpan.FromSeconds(20), 999, instance: "alive")); // older than the one held: ignored

        Assert.Equal(2, Single(store.Observe(Stalled, Noon)).Result.Value);
    }

    [Fact]
    public void The_management_api_queue_list_yields_only_error_queues_with_a_count()
    {
        const string json = """
            [{"name":"alerting-cost-recorded","messages":12},{"name":"alerting-cost-recorded_error","messages":3},
             {"name":"evaluator-trace-completed_error","messages":0},{"name":"recovering_error"},{"name":"x_error","messages":"n/a"},
             {"messages":5},"junk"]
            """;

        var queues = ManagementQueues.ErrorQueues(json);

        Assert.Equal([("alerting-cost-recorded_error", 3L), ("evaluator-trace-completed_error", 0L)], queues);
        Assert.Throws<System.Text.Json.JsonException>(() => ManagementQueues.ErrorQueues("""{"error":"not_authorised"}"""));
    }

    [Fact]
    public void Error_queue_depth_is_the_latest_poll_per_queue_and_ages_out_of_the_window()
    {
        var (store, _) = Store();
        store.RecordQueueDepths([("a_error", 5), ("b_error", 1)], Noon - TimeSpan.FromMinutes(2));
        store.RecordQueueDepths([("a_error", 7)], Noon - TimeSpan.FromMinutes(1));

        var perQueue = store.Observe(Rule(MetricKind.ErrorQueueDepth, "5m", Above(2), m => m with { By = ["queue"] }), Noon);
        var total = Single(store.Observe(Rule(MetricKind.ErrorQueueDepth, "5m", Above(2)), Noon));
        var later = store.Observe(Rule(MetricKind.ErrorQueueDepth, "5m", Above(2)), Noon + TimeSpan.FromMinutes(10));

        Assert.Equal([("a_error", 7.0, true), ("b_error", 1.0, false)], perQueue.Select(o => (o.Labels["queue"], o.Result.Value, o.Result.Holds)));
        Assert.Equal(8, total.Result.Value);
        Assert.Empty(later);
    }
}
