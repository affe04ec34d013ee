using LlmOps.Evaluator.Features.Loop;

namespace LlmOps.Evaluator.Features.Drift;

/// <summary>
/// The statistics drift detection decides with. A distribution is compared by its population-stability index,
/// PSI = Σ (c_i − b_i) · ln(c_i / b_i) over bins, b and c the baseline's and current window's shares (each count plus
/// 0.5, so an empty bin does not make it infinite). PSI is the symmetric Kullback–Leibler divergence; for two samples
/// from one distribution n_eff · PSI, n_eff = n_b·n_c / (n_b + n_c), is approximately χ² with bins − 1 degrees of freedom,
/// which says when a PSI above the threshold is only the noise of small samples.
/// </summary>
public static class DriftStatistics
{
    public static double Psi(IReadOnlyList<long> baseline, IReadOnlyList<long> current)
    {
        if (baseline.Count != current.Count)
            throw new ArgumentException("Both windows need the same bins.", nameof(current));
        var bins = baseline.Count;
        double nb = baseline.Sum() + 0.5 * bins, nc = current.Sum() + 0.5 * bins;
        var psi = 0.0;
        for (var i = 0; i < bins; i++)
        {
            var b = (baseline[i] + 0.5) / nb;
            var c = (current[i] + 0.5) / nc;
            psi += (c - b) * Math.Log(c / b);
        }
        return psi;
    }

    /// <summary>True when a PSI this large is unlikely (p &lt; <paramref name="alpha"/>) between two samples of one distribution.</summary>
    public static bool PsiSignificant(double psi, long baselineN, long currentN, int bins, double alpha)
    {
        if (baselineN <= 0 || currentN <= 0 || bins < 2)
            return false;
        var effective = (double)baselineN * currentN / (baselineN + currentN);
        return effective * psi > ChiSquareQuantile(1 - alpha, bins - 1);
    }

    /// <summary>χ² quantile by the Wilson–Hilferty approximation (within 1 % of the tables from 3 degrees of freedom on).</summary>
    public static double ChiSquareQuantile(double probability, int degreesOfFreedom)
    {
        var k = (double)degreesOfFreedom;
        var z = Statistics.NormalQuantile(probability);
        var term = 1 - 2 / (9 * k) + z * Math.Sqrt(2 / (9 * k));
        return k * term * term * term;
    }

    /// <summary>Two-sided p-value of the pooled two-proportion z-test: a rate that moved either way is drift.</summary>
    public static double TwoSidedPValue(long events1, long n1, long events2, long n2)
    {
        if (n1 <= 0 || n2 <= 0 || n1 > int.MaxValue || n2 > int.MaxValue)
            return 1;
        var higher = Statistics.OneSidedPValue((int)events1, (int)n1, (int)events2, (int)n2);
        var lower = Statistics.OneSidedPValue((int)events2, (int)n2, (int)events1, (int)n1);
        return Math.Min(1, 2 * Math.Min(higher, lower));
    }

    /// <summary>
    /// The upper edges of up to <paramref name="bins"/> bins holding equal shares of the baseline (its quantiles), from a
    /// histogram value → count. Tied values never straddle an edge, so with few distinct values there are fewer bins.
    /// </summary>
    public static List<int> QuantileEdges(IReadOnlyDictionary<int, long> baseline, int bins)
    {
        var total = baseline.Values.Sum();
        var edges = new List<int>();
        if (total == 0)
            return edges;
        long cumulative = 0;
        var next = 1;
        foreach (var (value, count) in baseline.OrderBy(p => p.Key))
        {
            cumulative += count;
            if (next < bins && cumulative * bins >= next * total)
            {
                edges.Add(value);
                while (next < bins && cumulative * bins >= next * total)
                    next++;
            }
        }
        return edges;
    }

    /// <summary>Counts per bin: bin i holds values ≤ edges[i] (and above the previous edge); the last bin everything above.</summary>
    public static long[] Histogram(IReadOnlyDictionary<int, long> values, IReadOnlyList<int> edges)
    {
        var counts = new long[edges.Count + 1];
        foreach (var (value, count) in values)
        {
            var bin = 0;
            while (bin < edges.Count && value > edges[bin])
                bin++;
            counts[bin] += count;
        }
        return counts;
    }
}
