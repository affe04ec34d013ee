using LlmOps.Evaluator.Features.Drift;

namespace LlmOps.Evaluator.Tests.Unit.Drift;

public class DriftStatisticsTests
{
    [Fact]
    public void Psi_of_identical_distributions_is_zero() =>
        Assert.Equal(0, DriftStatistics.Psi([120, 80, 40, 10], [120, 80, 40, 10]), 12);

    [Fact]
    public void Psi_matches_the_textbook_formula_on_large_samples()
    {
        // Shares 25/25/25/25 % → 10/20/30/40 %: Σ (c − b) ln(c / b) = 0.2282.
        var psi = DriftStatistics.Psi([25_000, 25_000, 25_000, 25_000], [10_000, 20_000, 30_000, 40_000]);

        Assert.Equal(0.2282, psi, 3);
    }

    [Fact]
    public void Psi_stays_finite_when_a_bin_is_empty_in_one_window()
    {
        var psi = DriftStatistics.Psi([500, 500, 0], [0, 500, 500]);

        Assert.True(double.IsFinite(psi));
        Assert.True(psi > 5);
    }

    [Theory]
    // Reference values from the χ² tables.
    [InlineData(0.99, 9, 21.666)]
    [InlineData(0.99, 4, 13.277)]
    [InlineData(0.95, 31, 44.985)]
    [InlineData(0.99, 31, 52.191)]
    public void Chi_square_quantile_is_within_one_percent_of_the_tables(double probability, int df, double expected) =>
        Assert.InRange(DriftStatistics.ChiSquareQuantile(probability, df), expected * 0.99, expected * 1.01);

    [Fact]
    public void A_psi_above_the_threshold_on_small_samples_is_noise_and_on_large_samples_is_not()
    {
        Assert.False(DriftStatistics.PsiSignificant(0.3, 100, 100, 10, 0.01));
        Assert.True(DriftStatistics.PsiSignificant(0.3, 5_000, 1_000, 10, 0.01));
    }

    [Fact]
    public void Two_sided_p_value_is_symmetric_and_small_for_a_clear_change()
    {
        Assert.Equal(DriftStatistics.TwoSidedPValue(60, 200, 10, 500), DriftStatistics.TwoSidedPValue(10, 500, 60, 200), 12);
        Assert.True(DriftStatistics.TwoSidedPValue(60, 200, 10, 500) < 1e-6);
        Assert.True(DriftStatistics.TwoSidedPValue(5, 100, 5, 100) > 0.99);
    }

    [Fact]
    public void Quantile_edges_split_the_baseline_into_equal_bins()
    {
        var uniform = Enumerable.Range(1, 100).ToDictionary(v => v, _ => 1L);

        var edges = DriftStatistics.QuantileEdges(uniform, 10);

        Assert.Equal([10, 20, 30, 40, 50, 60, 70, 80, 90], edges);
        Assert.All(DriftStatistics.Histogram(uniform, edges), count => Assert.Equal(10, count));
    }

    [Fact]
    public void Tied_values_never_straddle_an_edge()
    {
        var lengths = new Dictionary<int, long> { [5] = 90, [40] = 10 };

        var edges = DriftStatistics.QuantileEdges(lengths, 10);

        // 90 % at one value: two bins, up to 5 and above it.
        Assert.Equal([5], edges);
        Assert.Equal([90L, 10], DriftStatistics.Histogram(lengths, edges));
        Assert.Equal([0L, 3], DriftStatistics.Histogram(new Dictionary<int, long> { [400] = 3 }, edges));
    }

    [Fact]
    public void Samples_of_one_distribution_almost_never_count_as_drift()
    {
        var options = new DriftOptions();
        var shares = new[] { 0.3, 0.2, 0.15, 0.1, 0.08, 0.06, 0.05, 0.03, 0.02, 0.01 };
        var random = new Random(7);
        long[] Sample(int n)
        {
            var counts = new long[shares.Length];
            for (var i = 0; i < n; i++)
            {
                var u = random.NextDouble();
                var bin = 0;
                while (bin < shares.Length - 1 && (u -= shares[bin]) > 0)
                    bin++;
                counts[bin]++;
            }
            return counts;
        }

        var alarms = Enumerable.Range(0, 200)
            .Count(_ => DriftRules.Distribution(DriftKinds.Behaviour, "psi", "x", Sample(2_400), Sample(100), options, 0.01) is not null);

        // A plain PSI ≥ 0.25 rule would fire on a good share of these at n = 100; the χ² gate keeps it near alpha.
        Assert.InRange(alarms, 0, 5);
    }
}
