using LlmOps.ServiceDefaults.Statistics;

namespace LlmOps.Alerting.Features.Rules;

/// <summary>The one-sided Wilson bound the rate conditions page on (the shared <see cref="Proportions"/> underneath).</summary>
public static class RateStatistics
{
    /// <summary>
    /// One-sided Wilson score lower bound of <paramref name="failures"/> ÷ <paramref name="n"/> at
    /// <paramref name="confidence"/> (z = Φ⁻¹(confidence), e.g. 1.645 at 0.95). 0 when n is 0.
    /// </summary>
    public static double WilsonLowerBound(int failures, int n, double confidence) =>
        n <= 0 ? 0 : Proportions.Wilson(failures, n, NormalQuantile(confidence)).Low;

    public static double NormalCdf(double z) => Proportions.NormalCdf(z);

    public static double NormalQuantile(double probability) => Proportions.NormalQuantile(probability);
}
