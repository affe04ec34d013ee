namespace LlmOps.Alerting.Features.Rules;

/// <summary>
/// The outcome of a condition: whether it holds, the value to show (<c>{{ $value }}</c>, AlertFired.Value) and what it
/// was compared with (AlertFired.Threshold), when there is one.
/// </summary>
public readonly record struct ConditionResult(bool Holds, double Value, double? Threshold);

/// <summary>
/// The conditions as pure functions over numbers the caller has already aggregated from the events. None of them
/// alerts on missing or insufficient data: an empty window is "no evidence", never "everything broke".
/// </summary>
public static class Conditions
{
    public static ConditionResult Threshold(ThresholdCondition condition, double value) =>
        new(!double.IsNaN(value) && Compare(value, condition.Operator, condition.Value), value, condition.Value);

    public static bool Compare(double value, ComparisonOperator op, double threshold) => op switch
    {
        ComparisonOperator.GreaterThan => value > threshold,
        ComparisonOperator.GreaterOrEqual => value >= threshold,
        ComparisonOperator.LessThan => value < threshold,
        ComparisonOperator.LessOrEqual => value <= threshold,
        ComparisonOperator.Equal => value == threshold,
        ComparisonOperator.NotEqual => value != threshold,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>
    /// <paramref name="today"/> against the mean of the most recent <see cref="BaselineRatioCondition.BaselineDays"/> entries of
    /// <paramref name="previousDailyTotals"/> (oldest first, today excluded; a day with no traffic is a 0, a day before the
    /// project existed is absent). Holds when there are at least MinBaselineDays of them, today ≥ Floor and
    /// today &gt; Factor × mean. The threshold reported is Factor × mean; with a zero mean any today above the floor holds.
    /// </summary>
    public static ConditionResult BaselineRatio(BaselineRatioCondition condition, double today, IReadOnlyList<double> previousDailyTotals)
    {
        var baseline = previousDailyTotals.Skip(Math.Max(0, previousDailyTotals.Count - condition.BaselineDays)).ToList();
        if (baseline.Count < condition.MinBaselineDays || baseline.Count == 0)
            return new ConditionResult(false, today, null);
        var limit = condition.Factor * baseline.Average();
        return new ConditionResult(today >= condition.Floor && today > limit, today, limit);
    }

    /// <summary>
    /// Holds when n ≥ MinSamples and the one-sided Wilson lower bound of failures ÷ n at Confidence exceeds Threshold.
    /// The value reported is the observed rate failures ÷ n (0 when n is 0).
    /// </summary>
    public static ConditionResult Wilson(WilsonCondition condition, int failures, int n)
    {
        if (failures < 0 || n < 0 || failures > n)
            throw new ArgumentOutOfRangeException(nameof(failures), $"{failures} failures of {n} samples.");
        var rate = n == 0 ? 0 : (double)failures / n;
        var holds = n >= condition.MinSamples && RateStatistics.WilsonLowerBound(failures, n, condition.Confidence) > condition.Threshold;
        return new ConditionResult(holds, rate, condition.Threshold);
    }

    /// <summary>
    /// Burn rate = error ratio ÷ (1 − SloTarget). <paramref name="errorRatioOver"/> gives the error ratio over a trailing
    /// window (NaN when the window had no traffic, which never burns). Holds when any pair burns above its factor over
    /// both its long and its short window. Value and threshold: the first such pair's long-window burn rate and factor;
    /// when none holds, the highest long-window burn rate and the lowest factor.
    /// </summary>
    public static ConditionResult BurnRate(BurnRateCondition condition, Func<TimeSpan, double> errorRatioOver)
    {
        var budget = 1 - condition.SloTarget;
        var highest = 0.0;
        foreach (var window in condition.Windows)
        {
            var longBurn = Burn(errorRatioOver(window.Long), budget);
            if (longBurn > window.Factor && Burn(errorRatioOver(window.Short), budget) > window.Factor)
                return new ConditionResult(true, longBurn, window.Factor);
            highest = Math.Max(highest, longBurn);
        }
        return new ConditionResult(false, highest, condition.Windows.Count == 0 ? null : condition.Windows.Min(w => w.Factor));
    }

    /// <summary>How many times faster than the SLO allows the error budget is being spent.</summary>
    public static double Burn(double errorRatio, double errorBudget) =>
        double.IsNaN(errorRatio) || errorBudget <= 0 ? 0 : errorRatio / errorBudget;
}
