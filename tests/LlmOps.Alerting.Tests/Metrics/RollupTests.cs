using System.Text.Json;
using LlmOps.Alerting.Features.Metrics;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Contracts.Inference;
using static LlmOps.Alerting.Tests.Metrics.MetricSamples;

namespace LlmOps.Alerting.Tests.Metrics;

public class RollupTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>Keeps every minute for the whole retention: the reference a rolled-up store must agree with.</summary>
    private static readonly MetricsOptions NoRollup = new() { RollupAfterHours = 26, HourlyAfterHours = 26 };

    [Fact]
    public void Every_rule_answers_the_same_with_and_without_rollup_on_windows_aligned_to_the_rolled_up_cells()
    {
        var (rolled, rolledClock) = Store(Noon.AddHours(-25));
        var (flat, flatClock) = Store(Noon.AddHours(-25), NoRollup);
        var random = new Random(11);
        // 25 h of traffic (quarter dollars: sums exact in any order), recorded as it happens (the clock follows the events, so the minutes roll up as time passes).
        for (var at = Noon.AddHours(-25) + Minute; at <= Noon; at += Minute)
        {
            rolledClock.Now = flatClock.Now = at;
            for (var i = 0; i < 6; i++)
            {
                var when = at - TimeSpan.FromSeconds(random.Next(0, 60));
                var project = $"p{random.Next(3)}";
                var cost = Cost(when, random.Next(1, 1000) / 4m, project, priced: random.Next(10) > 0);
                var inference = Inference(when, random.Next(50, 5000), random.Next(10) == 0 ? InferenceStatuses.Timeout : InferenceStatuses.Success,
                    project, cache: random.Next(3) == 0 ? "hit" : "miss");
                var score = Score(when, Math.Round(random.NextDouble(), 3), random.Next(10) == 0 ? "hallucinated" : "ok", project: project);
                foreach (var store in new[] { rolled, flat })
                {
                    store.Record(cost);
                    store.Record(inference);
                    store.Record(score);
                }
            }
        }

        foreach (var window in new[] { "5m", "1h", "2h", "3h", "6h", "8h", "1d", "25h", "26h" })
            foreach (var rule in RulesOver(window))
                Assert.Equal(Describe(flat.Observe(rule, Noon)), Describe(rolled.Observe(rule, Noon)));
    }

    [Fact]
    public void Totals_over_26_hours_are_equal_before_and_after_rollup_and_after_a_snapshot_of_it()
    {
        var (store, clock) = Store(Noon.AddHours(-25));
        for (var at = Noon.AddHours(-25) + Minute; at <= Noon; at += Minute)
            store.Record(Cost(at, 1m));
        var total = Rule(MetricKind.Cost, "26h", Above(0));
        var before = Single(store.Observe(total, Noon)).Result.Value;

        clock.Now = Noon; // the rollup runs with the first call of a minute
        var after = Single(store.Observe(total, Noon)).Result.Value;
        var (restored, _) = Store(Noon);
        restored.Restore(JsonSerializer.Deserialize<MetricSnapshot>(JsonSerializer.Serialize(store.Snapshot()))!);

        Assert.Equal(25 * 60, before);
        Assert.Equal(before, after);
        Assert.Equal(before, Single(restored.Observe(total, Noon)).Result.Value);
    }

    [Theory]
    [InlineData("1h59m", -119, 0, true)]   // recent span: exact to the minute
    [InlineData("1h59m", -119, -1, false)] // one second before the window: out
    [InlineData("2h55m", -170, 0, false)]  // in the window, but its 15-min cell starts 3h ago: left out at the edge
    [InlineData("2h55m", -165, 0, true)]   // its cell starts 2h45m ago: in
    [InlineData("3h", -180, -1, false)]    // one second before a window on a cell boundary: out
    [InlineData("8h", -450, 0, true)]      // 7h30m ago: its hour cell starts 8h ago, inside an 8h window
    [InlineData("7h45m", -450, 0, false)]  // the same hour cell starts before a 7h45m window: left out
    public void A_windows_oldest_edge_is_exact_to_the_cell_that_holds_it_and_never_counts_anything_older(string window, int minutes, int seconds, bool counted)
    {
        var (store, _) = Store();
        store.Record(Cost(Noon + TimeSpan.FromMinutes(minutes) + TimeSpan.FromSeconds(seconds), 7m));
        store.Record(Cost(Noon, 1m));

        var value = Single(store.Observe(Rule(MetricKind.Cost, window, Above(0)), Noon)).Result.Value;

        Assert.Equal(counted ? 8 : 1, value);
    }

    [Fact]
    public async Task Events_recorded_while_minutes_roll_up_are_all_counted_once()
    {
        var clock = new SharedClock(Noon);
        var store = new MetricStore(clock, Microsoft.Extensions.Options.Options.Create(new MetricsOptions()));
        const int writers = 4, perWriter = 40_000;
        var writing = true;
        // Writers stamp events around the recent span's edge (1h50m to 2h10m before the clock), exactly the minutes
        // being sealed and merged, while the clock moves a minute at a time and each Observe rolls up.
        var mover = Task.Run(() =>
        {
            var rule = Rule(MetricKind.Cost, "1h", Above(0));
            for (var step = 0; step < 600 && Volatile.Read(ref writing); step++)
            {
                clock.Advance(Minute);
                store.Observe(rule, clock.GetUtcNow());
                Thread.Sleep(1);
            }
        });
        // Each writer writes at least perWriter events and goes on until the clock has moved half an hour, so the rollups
        // run under the writes however the threads happen to be scheduled (a fast machine finished 160,000 events before
        // the mover's thread had taken 30 steps).
        long written = 0;
        Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, w =>
        {
            var i = 0;
            for (; i < perWriter || (clock.GetUtcNow() - Noon <= TimeSpan.FromMinutes(30) && i < 50 * perWriter); i++)
                store.Record(Cost(clock.GetUtcNow() - TimeSpan.FromMinutes(110 + i % 20), 1m, project: $"p{w}", model: $"m{i % 5}"));
            Interlocked.Add(ref written, i);
        });
        Volatile.Write(ref writing, false);
        await mover;
        var end = clock.GetUtcNow();
        Assert.True(end - Noon > TimeSpan.FromMinutes(30), "the clock must have moved (rollups run) while the writers wrote");

        var total = Single(store.Observe(Rule(MetricKind.Cost, "26h", Above(0)), end + TimeSpan.FromHours(2))).Result.Value;
        Assert.Equal(written, total);
    }

    [Fact]
    public void Scores_far_off_the_usual_grid_stay_exact_through_rollup_and_snapshot()
    {
        var (store, clock) = Store(Noon.AddHours(-5));
        foreach (var value in new[] { -5e6, 0.3, 0.7, 5e6, 1e11 })
            store.Record(Score(Noon.AddHours(-5), value, name: "faithfulness"));
        clock.Now = Noon;
        var rule = Rule(MetricKind.ScoreRate, "6h", Above(0), m => m with { Score = "faithfulness", Below = 0.5 });

        var (restored, _) = Store(Noon);
        restored.Restore(JsonSerializer.Deserialize<MetricSnapshot>(JsonSerializer.Serialize(store.Snapshot()))!);

        Assert.Equal(2 / 5.0, Single(store.Observe(rule, Noon)).Result.Value, 10);
        Assert.Equal(2 / 5.0, Single(restored.Observe(rule, Noon)).Result.Value, 10);
    }

    [Fact]
    public void A_snapshot_of_another_version_is_refused_explicitly()
    {
        var (store, _) = Store();

        Assert.Throws<NotSupportedException>(() => store.Restore(new MetricSnapshot { Version = 1 }));
    }

    private static List<AlertRule> RulesOver(string window) =>
    [
        Rule(MetricKind.Cost, window, Above(0), m => m with { By = ["project"] }),
        Rule(MetricKind.UnpricedModel, window, Above(0)),
        Rule(MetricKind.ErrorRate, window, new WilsonCondition(0.05, 10, 0.95), m => m with { By = ["project"] }),
        Rule(MetricKind.CacheHitRate, window, Above(0.1)),
        Rule(MetricKind.LatencyPercentile, window, Above(0), m => m with { Percentile = 95, By = ["project"] }),
        Rule(MetricKind.LatencyPercentile, window, Above(0), m => m with { Percentile = 50 }),
        Rule(MetricKind.ScoreRate, window, Above(0.1), m => m with { Score = "hallucination", ScoreLabel = "hallucinated", By = ["project"] }),
        Rule(MetricKind.ScoreRate, window, Above(0.1), m => m with { Score = "hallucination", Below = 0.25 }),
        Rule(MetricKind.ErrorRate, window, new BurnRateCondition(0.99, [new BurnWindow(TimeSpan.FromHours(6), TimeSpan.FromMinutes(30), 6)])),
    ];

    private static List<string> Describe(IReadOnlyList<SeriesObservation> observations) =>
        observations.Select(o => $"{string.Join(",", o.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))}: {o.Result}").ToList();

    /// <summary>A clock several threads read while one moves it (a DateTimeOffset field could be read torn).</summary>
    private sealed class SharedClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }
}
