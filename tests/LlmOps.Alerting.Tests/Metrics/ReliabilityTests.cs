using System.Text.Json;
using LlmOps.Alerting.Features.Metrics;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Inference;
using static LlmOps.Alerting.Tests.Metrics.MetricSamples;

namespace LlmOps.Alerting.Tests.Metrics;

public class ReliabilityTests
{
    [Fact]
    public void A_redelivered_event_of_every_kind_is_counted_once()
    {
        var (store, _) = Store();
        var cost = Cost(Noon, 2m);
        var inference = Inference(Noon, status: InferenceStatuses.UpstreamError);
        var score = Score(Noon, label: "hallucinated");
        var budget = new BudgetExhausted { BudgetId = Guid.NewGuid(), ProjectId = "acme", Scope = BudgetScopes.Project, ScopeValue = "acme", PeriodStart = Noon.AddDays(-1), ExhaustedAt = Noon };

        Assert.Equal(RecordOutcome.Counted, store.Record(cost));
        Assert.Equal(RecordOutcome.Duplicate, store.Record(cost));
        Assert.Equal(RecordOutcome.Counted, store.Record(inference));
        Assert.Equal(RecordOutcome.Duplicate, store.Record(inference with { }));
        Assert.Equal(RecordOutcome.Counted, store.Record(score));
        Assert.Equal(RecordOutcome.Duplicate, store.Record(score));
        Assert.Equal(RecordOutcome.Counted, store.Record(budget));
        Assert.Equal(RecordOutcome.Duplicate, store.Record(budget with { }));
        // The cost and the inference of one request share its id: each is still counted in its own kind.
        Assert.Equal(RecordOutcome.Counted, store.Record(Cost(Noon, 1m, id: inference.InferenceId)));

        Assert.Equal(3, Single(store.Observe(Rule(MetricKind.Cost, "5m", Above(0)), Noon)).Result.Value);
        Assert.Equal(1, Single(store.Observe(Rule(MetricKind.ErrorRate, "5m", Above(0)), Noon)).Result.Value);
        Assert.Equal(1, Single(store.Observe(Rule(MetricKind.BudgetEvent, "5m", Above(0)), Noon)).Result.Value);
    }

    [Fact]
    public void The_dedup_window_forgets_old_ids_within_its_bound()
    {
        var ids = new RecentIds(1_600);
        var first = Guid.NewGuid();
        Assert.True(ids.Add(first));
        for (var i = 0; i < 10_000; i++)
            ids.Add(Guid.NewGuid());

        Assert.True(ids.Add(first));
        Assert.False(ids.Add(first));
    }

    [Fact]
    public void A_snapshot_through_json_restores_identical_observations_for_every_metric()
    {
        var (store, clock) = Store(Noon.AddDays(-4));
        var random = new Random(7);
        for (var d = 4; d >= 0; d--)
        {
            clock.Now = Noon.AddDays(-d);
            for (var i = 0; i < 400; i++)
            {
                var at = clock.Now - TimeSpan.FromSeconds(random.Next(0, 7200));
                var project = $"p{random.Next(3)}";
                var model = $"m{random.Next(2)}";
                store.Record(Cost(at, (decimal)random.NextDouble(), project, model, priced: random.Next(10) > 0));
                store.Record(Inference(at, random.Next(50, 5000), random.Next(10) == 0 ? InferenceStatuses.Timeout : InferenceStatuses.Success,
                    project, model, random.Next(3) == 0 ? CacheStatuses.Hit : CacheStatuses.Miss));
                store.Record(Score(at, random.NextDouble(), random.Next(10) == 0 ? "hallucinated" : "ok", project: project));
            }
        }
        store.Record(new BudgetThresholdCrossed { BudgetId = Guid.NewGuid(), ProjectId = "p1", Scope = BudgetScopes.Project, ScopeValue = "p1", PeriodStart = Noon, ThresholdPercent = 80, CrossedAt = Noon });
        store.Record(new EvaluatorProgressReported { Instance = "e1", Lane = "lexical", LagSeconds = 12, IntervalSeconds = 15, ReportedAt = Noon - TimeSpan.FromMinutes(3) });
        store.RecordQueueDepths([("alerting-cost-recorded_error", 4)], Noon);
        var rules = AllRules();

        var json = JsonSerializer.Serialize(store.Snapshot());
        var (restored, _) = Store(Noon);
        restored.Restore(JsonSerializer.Deserialize<MetricSnapshot>(json)!);

        foreach (var rule in rules)
            Assert.Equal(Describe(store.Observe(rule, Noon)), Describe(restored.Observe(rule, Noon)));
        Assert.All(rules, rule => Assert.NotEmpty(store.Observe(rule, Noon)));
    }

    [Fact]
    public void Concurrent_recording_from_several_threads_loses_nothing()
    {
        var (store, _) = Store();
        const int threads = 8, perThread = 20_000;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (var i = 0; i < perThread; i++)
            {
                var at = Noon - TimeSpan.FromSeconds(i % 600);
                store.Record(Cost(at, 0.5m, project: $"p{i % 7}", model: $"m{t % 3}"));
                store.Record(Inference(at, status: i % 4 == 0 ? InferenceStatuses.UpstreamError : InferenceStatuses.Success, project: $"p{i % 7}"));
            }
        });

        Assert.Equal(threads * perThread * 0.5, Single(store.Observe(Rule(MetricKind.Cost, "1h", Above(0)), Noon)).Result.Value, 6);
        Assert.Equal(0.25, Single(store.Observe(Rule(MetricKind.ErrorRate, "1h", Above(0)), Noon)).Result.Value, 10);
        Assert.Equal(7, store.Observe(Rule(MetricKind.ErrorRate, "1h", Above(0), m => m with { By = ["project"] }), Noon).Count);
    }

    [Fact]
    public void Odd_input_is_handled_without_throwing()
    {
        var (store, _) = Store();
        store.Record(Inference(Noon, latencyMs: 100));
        Assert.Equal(RecordOutcome.Counted, store.Record(Inference(Noon, latencyMs: -5)));
        Assert.Equal(RecordOutcome.Counted, store.Record(Inference(Noon, latencyMs: double.NaN)));
        Assert.Equal(RecordOutcome.Ignored, store.Record(Inference(Noon, status: "exploded")));
        Assert.Equal(RecordOutcome.Counted, store.Record(Cost(Noon, null)));                   // priced, amount missing: $0
        Assert.Equal(RecordOutcome.Counted, store.Record(Cost(Noon, -3m)));                    // negative: $0
        Assert.Equal(RecordOutcome.Counted, store.Record(Cost(Noon, 1m) with { ProjectId = null!, Model = null! }));
        Assert.Equal(RecordOutcome.Ignored, store.Record(Score(Noon, label: "x", status: "weird")));
        Assert.Equal(RecordOutcome.Counted, store.Record(Score(Noon, double.NaN)));
        Assert.Equal(RecordOutcome.Ignored, store.Record(Cost(Noon.AddDays(-30), 5m)));         // past every retention
        Assert.Equal(RecordOutcome.Counted, store.Record(Cost(Noon.AddDays(3), 1m)));           // future: counted now
        Assert.Equal(RecordOutcome.Ignored, store.Record(new EvaluatorProgressReported { Instance = "e", Lane = "", ReportedAt = Noon }));
        store.RecordQueueDepths([("", 3), ("q_error", -1)], Noon);

        Assert.Equal(0, Single(store.Observe(Rule(MetricKind.ErrorRate, "5m", Above(0)), Noon)).Result.Value);
        Assert.Equal(2, Single(store.Observe(Rule(MetricKind.Cost, "5m", Above(0)), Noon)).Result.Value);
        Assert.InRange(Single(store.Observe(Rule(MetricKind.LatencyPercentile, "5m", Above(0), m => m with { Percentile = 95 }), Noon)).Result.Value, 100 * 0.98, 100 * 1.02);
        Assert.Empty(store.Observe(Rule(MetricKind.ErrorQueueDepth, "5m", Above(0)), Noon));
    }

    private static List<AlertRule> AllRules()
    {
        var defaults = RuleFileParser.Load(Path.Combine(AppContext.BaseDirectory, "Rules", "default-rules.yaml")).Rules.ToList();
        return
        [
            .. defaults,
            Rule(MetricKind.Cost, "1h", Above(0), m => m with { By = ["project", "model"] }),
            Rule(MetricKind.ErrorRate, "1h", new WilsonCondition(0.05, 10, 0.95), m => m with { By = ["project"] }),
            Rule(MetricKind.ErrorRate, "1h", new BurnRateCondition(0.99, [new BurnWindow(TimeSpan.FromHours(6), TimeSpan.FromMinutes(30), 6)])),
            Rule(MetricKind.CacheHitRate, "1h", Above(0.1), m => m with { By = ["model"] }),
            Rule(MetricKind.ScoreRate, "2h", Above(0.1), m => m with { Score = "hallucination", Below = 0.25 }),
            Rule(MetricKind.BudgetEvent, "1h", Above(0)),
            Rule(MetricKind.ErrorQueueDepth, "5m", Above(0), m => m with { By = ["queue"] }),
            Rule(MetricKind.UnpricedModel, "1d", new BaselineRatioCondition(2, 7, 3, 0), m => m with { By = ["project"] }),
        ];
    }

    private static List<string> Describe(IReadOnlyList<SeriesObservation> observations) =>
        observations.Select(o => $"{string.Join(",", o.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))}: {o.Result}").ToList();
}
