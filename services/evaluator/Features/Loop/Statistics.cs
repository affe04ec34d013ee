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
        if (n <= 0)
            return new Interval(0, 1);
        var z = NormalQuantile(1 - alpha / 2);
        var p = (double)failures / n;
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return new Interval(Math.Max(0, centre - half), Math.Min(1, centre + half));
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

    /// <summary>Standard normal CDF from the complementary error function (Abramowitz–Stegun 7.1.26, error below 1.5e-7).</summary>
    public static double NormalCdf(double z)
    {
        var x = Math.Abs(z) / Math.Sqrt(2);
        var t = 1 / (1 + 0.3275911 * x);
        var poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        var erfc = poly * Math.Exp(-x * x);
        return z >= 0 ? 1 - erfc / 2 : erfc / 2;
    }

    /// <summary>The standard normal quantile, by bisection on <see cref="NormalCdf"/> (accurate to its error; called rarely).</summary>
    public static double NormalQuantile(double probability)
    {
        if (probability is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(probability));
        double low = -10, high = 10;
        for (var i = 0; i < 80; i++)
        {
            var middle = (low + high) / 2;
            if (NormalCdf(middle) < probability)
                low = middle;
            else
                high = middle;
        }
        return (low + high) / 2;
    }
}
