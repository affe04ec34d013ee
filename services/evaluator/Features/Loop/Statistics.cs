using LlmOps.ServiceDefaults.Statistics;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// The tests the loop controller decides with. A rate is judged by its Wilson score interval (sound at small samples and
/// at rates near 0 or 1, where the normal interval is not); two groups are compared with the pooled two-proportion z-test,
/// one-sided, because the question is always "is this version worse than that one".
/// </summary>
public static class Statistics
{
    public readonly record struct Interval(double Low, double High);

    /// <summary>Wilson score interval of <paramref name="failures"/> ÷ <paramref name="n"/> at confidence 1 − <paramref name="alpha"/> (two-sided).</summary>
    public static Interval Wilson(int failures, int n, double alpha)
    {
        var (low, high) = Proportions.Wilson(failures, n, NormalQuantile(1 - alpha / 2));
        return new Interval(low, high);
    }

    /// <summary>
    /// One-sided p-value of "group 1's rate is higher than group 2's" (pooled two-proportion z-test). 1 when either group
    /// is empty or both rates are 0 or 1 alike (no evidence either way).
    /// </summary>
    public static double OneSidedPValue(int failures1, int n1, int failures2, int n2)
    {
        if (n1 <= 0 || n2 <= 0)
            return 1;
        var p1 = (double)failures1 / n1;
        var p2 = (double)failures2 / n2;
        var pooled = (double)(failures1 + failures2) / (n1 + n2);
        var variance = pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2);
        if (variance <= 0)
            return 1;
        var z = (p1 - p2) / Math.Sqrt(variance);
        return 1 - NormalCdf(z);
    }

    public static double NormalCdf(double z) => Proportions.NormalCdf(z);

    public static double NormalQuantile(double probability) => Proportions.NormalQuantile(probability);
}
