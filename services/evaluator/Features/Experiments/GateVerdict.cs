using System.Globalization;

namespace LlmOps.Evaluator.Features.Experiments;

/// <summary>One gate condition and whether it held, with a reason a person reading CI output understands.</summary>
public sealed record GateCondition(string Condition, string? Metric, double? Threshold, double? Actual, bool Passed, string Reason);

/// <summary>
/// Decides a completed experiment's gate (docs/evaluation.md, "The regression gate"). Every condition is checked and
/// reported, so one run of the pipeline shows everything that needs fixing:
/// <list type="bullet">
/// <item>errors: the share of items whose gateway call failed is at most <c>maxErrorRate</c> (default 0.05), and at least one item ran;</item>
/// <item>minimum mean: each metric in <c>metrics</c> has a mean (over the items it applied to) of at least its minimum; a metric no item could be scored on fails;</item>
/// <item>pass rate: each check in <c>minPassRate</c> passes on at least that share of the items it applied to;</item>
/// <item>regression: each metric both experiments have is at most <c>maxRegression</c> below the baseline's mean.</item>
/// </list>
/// </summary>
public static class GateVerdict
{
    public static List<GateCondition> Decide(ExperimentGate gate, ExperimentAggregates aggregates, Guid? baselineId, List<MetricComparison>? comparison)
    {
        var conditions = new List<GateCondition>();
        if (aggregates.Items == 0)
            conditions.Add(new GateCondition("items", null, null, 0, false, "No item was run: the dataset is empty."));
        var errorsOk = aggregates.ErrorRate <= gate.MaxErrorRate + ExperimentMath.Tie;
        conditions.Add(new GateCondition("max_error_rate", null, gate.MaxErrorRate, aggregates.ErrorRate, errorsOk && aggregates.Items > 0,
            $"error rate {F(aggregates.ErrorRate)} ({aggregates.Errors} of {aggregates.Items} items failed at the gateway) {(errorsOk ? "≤" : ">")} {F(gate.MaxErrorRate)}"));

        foreach (var (metric, minimum) in gate.MinMean.OrderBy(m => m.Key, StringComparer.Ordinal))
            conditions.Add(AtLeast("min_mean", metric, "mean", minimum, aggregates.Metrics.FirstOrDefault(m => m.Name == metric)));
        foreach (var (check, minimum) in gate.MinPassRate.OrderBy(m => m.Key, StringComparer.Ordinal))
            conditions.Add(AtLeast("min_pass_rate", check, "pass rate", minimum, aggregates.Metrics.FirstOrDefault(m => m.Name == check)));

        if (gate.MaxRegression is { } allowed)
        {
            foreach (var c in comparison ?? [])
            {
                if (c.Delta is not { } delta)
                {
                    conditions.Add(new GateCondition("max_regression", c.Metric, allowed, null, true,
                        $"{c.Metric}: not compared with baseline {baselineId} (no scored item in {(c.CandidateMean is null ? "this experiment" : "the baseline")})"));
                    continue;
                }
                var held = delta >= -allowed - ExperimentMath.Tie;
                var paired = $"paired over {c.Pairs} items: {c.Wins} better, {c.Losses} worse, {c.Ties} tied, sign test p = {F(c.PValue)}";
                conditions.Add(new GateCondition("max_regression", c.Metric, allowed, delta, held, held
                    ? $"{c.Metric}: {F(c.BaselineMean!.Value)} → {F(c.CandidateMean!.Value)} vs baseline {baselineId} (change {Signed(delta)}, allowed drop {F(allowed)}; {paired})"
                    : $"{c.Metric} regressed by {F(-delta)} vs baseline {baselineId}: {F(c.BaselineMean!.Value)} → {F(c.CandidateMean!.Value)} (allowed drop {F(allowed)}; {paired})"));
            }
        }
        return conditions;
    }

    private static GateCondition AtLeast(string condition, string metric, string what, double minimum, MetricAggregate? aggregate)
    {
        if (aggregate?.Mean is not { } actual)
            return new GateCondition(condition, metric, minimum, null, false, $"{metric}: no item could be scored, so its {what} is unknown (needs ≥ {F(minimum)})");
        var held = actual >= minimum - ExperimentMath.Tie;
        return new GateCondition(condition, metric, minimum, actual, held,
            $"{metric} {what} {F(actual)} over {aggregate.Scored} items {(held ? "≥" : "<")} {F(minimum)}");
    }

    private static string F(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Signed(double value) => (value >= 0 ? "+" : "−") + F(Math.Abs(value));
}
