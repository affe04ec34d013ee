using LlmOps.Alerting.Features.Metrics;
using LlmOps.Alerting.Features.Rules;
using static LlmOps.Alerting.Tests.Metrics.MetricSamples;

namespace LlmOps.Alerting.Tests.Metrics;

public class LatencyHistogramTests
{
    [Theory]
    [InlineData(50)]
    [InlineData(95)]
    [InlineData(99)]
    public void Percentiles_over_an_hour_of_random_latencies_are_within_two_percent_of_the_exact_nearest_rank(double percentile)
    {
        var random = new Random(42);
        var (store, _) = Store();
        var all = new List<double>();
        for (var i = 0; i < 30_000; i++)
        {
            // Log-normal around 400 ms with a long tail, spread over the hour's sixty minutes.
            var latency = Math.Exp(6 + 1.2 * Gaussian(random));
            all.Add(latency);
            store.Record(Inference(Noon - TimeSpan.FromSeconds(random.Next(0, 3600)), latencyMs: latency));
        }
        all.Sort();
        var exact = all[(int)Math.Ceiling(percentile / 100 * all.Count) - 1];

        var observed = Single(store.Observe(Rule(MetricKind.LatencyPercentile, "1h", Above(0), m => m with { Percentile = percentile }), Noon)).Result.Value;

        Assert.InRange(observed / exact, 1 - LatencyHistogram.RelativeError, 1 + LatencyHistogram.RelativeError);
    }

    [Fact]
    public void Values_off_the_scale_are_clamped_and_non_latencies_are_refused()
    {
        var histogram = new LatencyHistogram();

        Assert.True(histogram.Add(0));
        Assert.True(histogram.Add(1e12));
        Assert.False(histogram.Add(-5));
        Assert.False(histogram.Add(double.NaN));
        Assert.False(histogram.Add(double.PositiveInfinity));
        Assert.Equal(2, histogram.Count);
        Assert.InRange(histogram.Percentile(50), 0, LatencyHistogram.MinValue * 1.02);
        Assert.InRange(histogram.Percentile(99), LatencyHistogram.MaxValue * 0.98, LatencyHistogram.MaxValue * 1.02);
        Assert.True(double.IsNaN(new LatencyHistogram().Percentile(95)));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
