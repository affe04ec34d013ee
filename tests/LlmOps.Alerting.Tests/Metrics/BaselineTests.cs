using LlmOps.Alerting.Features.Rules;
using static LlmOps.Alerting.Tests.Metrics.MetricSamples;

namespace LlmOps.Alerting.Tests.Metrics;

public class BaselineTests
{
    private static readonly BaselineRatioCondition CostSpike = new(2, 7, 3, 10);
    private static readonly DateTimeOffset Midnight = Noon - TimeSpan.FromHours(12);
    private static readonly AlertRule Rule = Rule(Alerting.Features.Rules.MetricKind.Cost, "1d", CostSpike, m => m with { By = ["project"] });

    /// <summary>$10 a day for <paramref name="days"/> complete days before today, then <paramref name="today"/> dollars this morning.</summary>
    private static SeriesObservation Observe(int days, decimal today)
    {
        var (store, clock) = Store(Noon.AddDays(-days));
        for (var d = days; d >= 1; d--)
        {
            clock.Now = Noon.AddDays(-d);
            store.Record(Cost(clock.Now, 10m));
        }
        clock.Now = Noon;
        store.Record(Cost(Midnight + TimeSpan.FromHours(1), today));
        return Single(store.Observe(Rule, Noon));
    }

    [Fact]
    public void Two_baseline_days_are_not_enough_to_call_a_spike()
    {
        var observation = Observe(days: 2, today: 100m);

        Assert.False(observation.Result.Holds);
        Assert.Equal(100, observation.Result.Value);
    }

    [Fact]
    public void Three_baseline_days_and_today_above_twice_their_mean_is_a_spike()
    {
        var observation = Observe(days: 3, today: 25m);

        Assert.True(observation.Result.Holds);
        Assert.Equal(25, observation.Result.Value);
        Assert.Equal(20, observation.Result.Threshold);
    }

    [Fact]
    public void Today_under_the_floor_is_not_a_spike_however_large_the_ratio()
    {
        var (store, clock) = Store(Noon.AddDays(-5));
        for (var d = 5; d >= 1; d--)
        {
            clock.Now = Noon.AddDays(-d);
            store.Record(Cost(clock.Now, 1m));
        }
        clock.Now = Noon;
        store.Record(Cost(Noon, 9.99m));

        Assert.False(Single(store.Observe(Rule, Noon)).Result.Holds);
    }

    [Fact]
    public void Quiet_days_after_the_first_count_as_zero_and_days_before_it_do_not_count()
    {
        // First event 4 days ago ($30), nothing since until $12 today: baseline = [30, 0, 0, 0] (mean 7.5), not the 7 days.
        var (store, clock) = Store(Noon.AddDays(-4));
        store.Record(Cost(clock.Now, 30m));
        clock.Now = Noon;
        store.Record(Cost(Noon, 16m));

        var observation = Single(store.Observe(Rule, Noon));

        Assert.True(observation.Result.Holds);
        Assert.Equal(15, observation.Result.Threshold!.Value, 10);
    }

    [Fact]
    public void Today_counts_from_utc_midnight_not_the_trailing_24_hours()
    {
        var (store, clock) = Store(Noon.AddDays(-3));
        for (var d = 3; d >= 1; d--)
        {
            clock.Now = Noon.AddDays(-d);
            store.Record(Cost(clock.Now, 10m));
        }
        clock.Now = Noon;
        store.Record(Cost(Midnight.AddSeconds(-1), 500m)); // yesterday 23:59:59: part of the baseline, not today
        store.Record(Cost(Midnight, 15m));

        var observation = Single(store.Observe(Rule, Noon));

        Assert.Equal(15, observation.Result.Value);
        Assert.False(observation.Result.Holds);
    }
}
