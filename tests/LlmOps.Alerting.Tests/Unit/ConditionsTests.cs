using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Tests.Unit;

public class ConditionsTests
{
    private static readonly WilsonCondition FivePercent = new(0.05, 50, 0.95);
    private static readonly BaselineRatioCondition CostSpike = new(2, 7, 3, 10);

    [Theory]
    [InlineData(6, 50, true)]
    [InlineData(9, 100, true)]
    [InlineData(16, 200, true)]
    [InlineData(8, 100, false)]
    [InlineData(5, 50, false)]
    [InlineData(15, 200, false)]
    public void Wilson_at_5_percent_trips_only_on_credible_rates(int failures, int n, bool holds)
    {
        var result = Conditions.Wilson(FivePercent, failures, n);

        Assert.Equal(holds, result.Holds);
        Assert.Equal((double)failures / n, result.Value, 10);
        Assert.Equal(0.05, result.Threshold);
    }

    [Fact]
    public void Wilson_needs_the_minimum_sample_even_at_a_high_rate()
    {
        Assert.False(Conditions.Wilson(FivePercent with { MinSamples = 100 }, 40, 99).Holds);
        Assert.True(Conditions.Wilson(FivePercent with { MinSamples = 100 }, 40, 100).Holds);
        Assert.False(Conditions.Wilson(FivePercent, 0, 0).Holds);
    }

    [Fact]
    public void The_one_sided_bound_uses_z_1_645_at_95_percent()
    {
        Assert.Equal(1.6449, RateStatistics.NormalQuantile(0.95), 3);
        Assert.Equal(0.0531, RateStatistics.WilsonLowerBound(9, 100, 0.95), 3);
        Assert.Equal(0.0457, RateStatistics.WilsonLowerBound(8, 100, 0.95), 3);
    }

    [Fact]
    public void Cost_spike_fires_above_twice_the_trailing_mean_and_the_floor()
    {
        var result = Conditions.BaselineRatio(CostSpike, 412, [150, 190, 180, 200, 170, 160, 210]);

        Assert.True(result.Holds);
        Assert.Equal(412, result.Value);
        Assert.Equal(360, result.Threshold!.Value, 6);
    }

    [Fact]
    public void Cost_spike_with_fewer_than_3_baseline_days_does_not_alert()
    {
        Assert.False(Conditions.BaselineRatio(CostSpike, 1000, [10, 12]).Holds);
        Assert.True(Conditions.BaselineRatio(CostSpike, 1000, [10, 12, 11]).Holds);
    }

    [Fact]
    public void Cost_spike_below_the_floor_does_not_alert_however_large_the_ratio()
    {
        Assert.False(Conditions.BaselineRatio(CostSpike, 9, [1, 1, 1, 1]).Holds);
        Assert.False(Conditions.BaselineRatio(CostSpike, 399, [200, 200, 200]).Holds);
    }

    [Fact]
    public void Cost_spike_uses_only_the_most_recent_baseline_days()
    {
        // 30 old expensive days, then 7 cheap ones: only the last 7 count (mean 10), so 100 is a spike.
        var history = Enumerable.Repeat(1000.0, 30).Concat(Enumerable.Repeat(10.0, 7)).ToList();

        Assert.True(Conditions.BaselineRatio(CostSpike, 100, history).Holds);
    }

    [Theory]
    [InlineData(ComparisonOperator.GreaterThan, 3001, true)]
    [InlineData(ComparisonOperator.GreaterThan, 3000, false)]
    [InlineData(ComparisonOperator.GreaterOrEqual, 3000, true)]
    [InlineData(ComparisonOperator.LessThan, 2999, true)]
    [InlineData(ComparisonOperator.LessOrEqual, 3001, false)]
    [InlineData(ComparisonOperator.Equal, 3000, true)]
    [InlineData(ComparisonOperator.NotEqual, 3000, false)]
    [InlineData(ComparisonOperator.GreaterThan, double.NaN, false)]
    public void Threshold_compares_the_value(ComparisonOperator op, double value, bool holds) =>
        Assert.Equal(holds, Conditions.Threshold(new ThresholdCondition(op, 3000), value).Holds);

    private static readonly BurnRateCondition Slo = new(0.999,
        [new BurnWindow(TimeSpan.FromHours(1), TimeSpan.FromMinutes(5), 14.4), new BurnWindow(TimeSpan.FromHours(6), TimeSpan.FromMinutes(30), 6)]);

    private static Func<TimeSpan, double> Ratios(double h1, double m5, double h6 = 0, double m30 = 0) => window =>
        window == TimeSpan.FromHours(1) ? h1 : window == TimeSpan.FromMinutes(5) ? m5 : window == TimeSpan.FromHours(6) ? h6 : m30;

    [Fact]
    public void Burn_rate_fires_when_both_windows_burn_above_the_factor()
    {
        var result = Conditions.BurnRate(Slo, Ratios(h1: 0.02, m5: 0.03)); // 20x and 30x a 0.1 % budget

        Assert.True(result.Holds);
        Assert.Equal(20, result.Value, 6);
        Assert.Equal(14.4, result.Threshold);
    }

    [Fact]
    public void Burn_rate_does_not_fire_when_the_short_window_has_recovered()
    {
        Assert.False(Conditions.BurnRate(Slo, Ratios(h1: 0.02, m5: 0.001)).Holds);
        Assert.False(Conditions.BurnRate(Slo, Ratios(h1: 0.01, m5: 0.05)).Holds); // 10x over the hour: not 14.4x
    }

    [Fact]
    public void Burn_rate_fires_on_the_slower_pair_too_and_never_on_empty_windows()
    {
        Assert.True(Conditions.BurnRate(Slo, Ratios(h1: 0.01, m5: 0.01, h6: 0.007, m30: 0.008)).Holds);
        Assert.False(Conditions.BurnRate(Slo, _ => double.NaN).Holds);
    }
}
