using System.Globalization;

namespace LlmOps.Evaluator.Features.Drift;

/// <summary>The drift kinds (DriftDetected.Kind, <c>/api/drift?kind=</c>).</summary>
public static class DriftKinds
{
    public const string Query = "query";
    public const string Behaviour = "behaviour";
    public const string ServedModel = "served_model";
}

/// <summary>What one comparison of the windows found, before cooldowns and publishing.</summary>
public sealed record DriftFinding(string Kind, string Statistic, double Value, double Threshold, string Detail);

/// <summary>
/// The comparisons of a current window with its baseline, as pure functions of the windows' counts (docs/evaluation.md):
/// <list type="bullet">
/// <item>served model: a response model id the baseline never saw carries at least
/// <see cref="DriftOptions.ServedModelMinShare"/> of current traffic;</item>
/// <item>a rate (refusals, failing scores): the pooled two-proportion z-test, two-sided, p &lt; alpha, and the rate moved
/// by at least <see cref="DriftOptions.MinRateChange"/>;</item>
/// <item>a distribution (answer length, query buckets): PSI at or above <see cref="DriftOptions.PsiThreshold"/> and beyond
/// what small samples give by chance (<see cref="DriftStatistics.PsiSignificant"/>).</item>
/// </list>
/// Every comparison needs <see cref="DriftOptions.MinSamples"/> in both windows; below that it says nothing.
/// </summary>
public static class DriftRules
{
    public const int LengthBins = 10;

    public static DriftFinding? ServedModel(IReadOnlyDictionary<string, long> baseline, IReadOnlyDictionary<string, long> current, DriftOptions options)
    {
        long baselineN = baseline.Values.Sum(), currentN = current.Values.Sum();
        if (baselineN < options.MinSamples || currentN < options.MinSamples)
            return null;
        var added = current.Where(p => !baseline.ContainsKey(p.Key) && (double)p.Value / currentN >= options.ServedModelMinShare)
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (added.Count == 0)
            return null;
        var share = (double)added.Sum(p => p.Value) / currentN;
        var before = string.Join(", ", baseline.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key));
        var after = string.Join(", ", added.Select(p => $"{p.Key} ({Percent((double)p.Value / currentN)})"));
        return new DriftFinding(DriftKinds.ServedModel, "new_response_model", Math.Round(share, 4), options.ServedModelMinShare,
            $"The provider now serves {after} of current traffic (n={currentN}), an id never served in the baseline (n={baselineN}): {before} → "
            + string.Join(", ", added.Select(p => p.Key)) + ".");
    }

    public static DriftFinding? Rate(string kind, string statistic, string what, long baselineEvents, long baselineN, long currentEvents, long currentN,
        DriftOptions options, double alpha)
    {
        if (baselineN < options.MinSamples || currentN < options.MinSamples)
            return null;
        double baselineRate = (double)baselineEvents / baselineN, currentRate = (double)currentEvents / currentN;
        if (Math.Abs(currentRate - baselineRate) < options.MinRateChange)
            return null;
        var p = DriftStatistics.TwoSidedPValue(currentEvents, currentN, baselineEvents, baselineN);
        if (p >= alpha)
            return null;
        return new DriftFinding(kind, statistic, Math.Round(currentRate, 4), Math.Round(baselineRate, 4),
            $"{what} {Percent(currentRate)} (n={currentN}) against {Percent(baselineRate)} in the baseline (n={baselineN}); "
            + $"two-sided two-proportion z-test, p {(p < 1e-9 ? "< 1e-9" : "= " + p.ToString("G2", CultureInfo.InvariantCulture))} "
            + $"(alpha {alpha.ToString(CultureInfo.InvariantCulture)}).");
    }

    /// <summary>PSI of two binned windows; <paramref name="describe"/> adds what moved (medians, terms) to the detail.</summary>
    public static DriftFinding? Distribution(string kind, string statistic, string what, IReadOnlyList<long> baseline, IReadOnlyList<long> current,
        DriftOptions options, double alpha, string? describe = null)
    {
        long baselineN = baseline.Sum(), currentN = current.Sum();
        if (baselineN < options.MinSamples || currentN < options.MinSamples || baseline.Count < 2)
            return null;
        var psi = DriftStatistics.Psi(baseline, current);
        if (psi < options.PsiThreshold || !DriftStatistics.PsiSignificant(psi, baselineN, currentN, baseline.Count, alpha))
            return null;
        return new DriftFinding(kind, statistic, Math.Round(psi, 4), options.PsiThreshold,
            $"{what}: PSI {psi.ToString("0.###", CultureInfo.InvariantCulture)} ≥ {options.PsiThreshold.ToString(CultureInfo.InvariantCulture)} over "
            + $"{baseline.Count} bins (n={currentN} against {baselineN} in the baseline)" + (describe is null ? "." : $"; {describe}."));
    }

    /// <summary>Answer lengths binned at the baseline's deciles, compared by PSI; the detail gives both medians.</summary>
    public static DriftFinding? AnswerLength(IReadOnlyDictionary<int, long> baseline, IReadOnlyDictionary<int, long> current, DriftOptions options,
        double alpha)
    {
        var edges = DriftStatistics.QuantileEdges(baseline, LengthBins);
        if (edges.Count == 0)
            return null;
        return Distribution(DriftKinds.Behaviour, "answer_length_psi", "Answer length (characters) moved",
            DriftStatistics.Histogram(baseline, edges), DriftStatistics.Histogram(current, edges), options, alpha,
            $"median {Median(baseline)} → {Median(current)} characters");
    }

    public static int Median(IReadOnlyDictionary<int, long> histogram)
    {
        var total = histogram.Values.Sum();
        long cumulative = 0;
        foreach (var (value, count) in histogram.OrderBy(p => p.Key))
        {
            cumulative += count;
            if (cumulative * 2 >= total)
                return value;
        }
        return 0;
    }

    public static string Percent(double rate) => rate.ToString("P1", CultureInfo.InvariantCulture);
}
