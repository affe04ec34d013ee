namespace LlmOps.ServiceDefaults.Statistics;

/// <summary>
/// The statistics of rates that more than one service decides with (the evaluator's loop and drift, alerting's rate
/// conditions): the standard normal CDF and quantile, and the Wilson score interval of a proportion.
/// </summary>
public static class Proportions
{
    /// <summary>Wilson score interval of <paramref name="failures"/> ÷ <paramref name="n"/> for the normal quantile <paramref name="z"/>; (0, 1) when n is 0.</summary>
    public static (double Low, double High) Wilson(int failures, int n, double z)
    {
        if (n <= 0)
            return (0, 1);
        var p = Math.Clamp((double)failures / n, 0, 1);
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2.0 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
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
        if (probability is <= 0 or >= 1 || double.IsNaN(probability))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability strictly between 0 and 1.");
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
