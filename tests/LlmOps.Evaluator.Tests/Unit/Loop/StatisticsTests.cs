using LlmOps.Evaluator.Features.Loop;

namespace LlmOps.Evaluator.Tests.Unit.Loop;

public class StatisticsTests
{
    [Theory]
    [InlineData(0.975, 1.959964)]
    [InlineData(0.995, 2.575829)]
    [InlineData(0.5, 0.0)]
    [InlineData(0.05, -1.644854)]
    public void Normal_quantile_matches_the_tables(double probability, double expected) =>
        Assert.Equal(expected, Statistics.NormalQuantile(probability), 4);

    [Theory]
    // Reference values: Wilson score interval at 95 % (Newcombe 1998, table I; and direct computation).
    [InlineData(0, 10, 0.0, 0.2775)]
    [InlineData(5, 10, 0.2366, 0.7634)]
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(10, 10, 0.7225, 1.0)]
    public void Wilson_interval_matches_published_values(int failures, int n, double low, double high)
    {
        var interval = Statistics.Wilson(failures, n, alpha: 0.05);

        Assert.Equal(low, interval.Low, 3);
        Assert.Equal(high, interval.High, 3);
    }

    [Fact]
    public void Wilson_interval_of_nothing_is_everything() => Assert.Equal(new Statistics.Interval(0, 1), Statistics.Wilson(0, 0, 0.05));

    [Fact]
    public void A_clearly_higher_failure_rate_is_significant_and_an_equal_one_is_not()
    {
        Assert.True(Statistics.OneSidedPValue(40, 100, 2, 100) < 0.0001);
        Assert.InRange(Statistics.OneSidedPValue(5, 100, 5, 100), 0.49, 0.51);
        // The test is one-sided: a lower rate is never "significantly higher".
        Assert.True(Statistics.OneSidedPValue(2, 100, 40, 100) > 0.99);
    }

    [Fact]
    public void Two_proportion_test_matches_a_worked_example()
    {
        // 60/200 vs 40/200: pooled p = 0.25, z = 0.1 / sqrt(0.1875 · 0.01) = 2.3094, one-sided p = 0.01046.
        Assert.Equal(0.01046, Statistics.OneSidedPValue(60, 200, 40, 200), 4);
    }

    [Fact]
    public void No_evidence_either_way_gives_a_p_value_of_one()
    {
        Assert.Equal(1, Statistics.OneSidedPValue(0, 50, 0, 50));
        Assert.Equal(1, Statistics.OneSidedPValue(3, 0, 1, 10));
    }
}
