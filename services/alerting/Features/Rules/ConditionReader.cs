using YamlDotNet.RepresentationModel;

namespace LlmOps.Alerting.Features.Rules;

/// <summary>
/// A rule's <c>condition:</c>, a mapping with exactly one key naming the kind (<c>threshold</c>, <c>baseline_ratio</c>,
/// <c>wilson</c>, <c>burn_rate</c>) whose value holds its settings; checked against the metric it applies to.
/// </summary>
internal static class ConditionReader
{
    private static readonly string[] Kinds = ["threshold", "baseline_ratio", "wilson", "burn_rate"];

    public static RuleCondition? Read(YamlReader reader, YamlNode node, string path, MetricQuery metric)
    {
        var outer = reader.Map(node, path);
        if (outer is null)
            return null;
        outer.Only(Kinds);
        var present = Kinds.Where(outer.Has).ToList();
        if (present.Count != 1)
        {
            if (present.Count > 1 || !outer.All.Any())
                reader.Error(node, path, $"exactly one of {string.Join(", ", Kinds)} is required");
            return null;
        }
        var kind = present[0];
        var map = reader.Map(outer.Node(kind, true), $"{path}.{kind}");
        if (map is null)
            return null;
        switch (kind)
        {
            case "threshold":
            {
                map.Only("op", "value");
                var op = map.String("op");
                var value = map.Number("value");
                ComparisonOperator comparison = default;
                if (op is not null && !RuleFileParser.TryOperator(op, out comparison))
                    reader.Error(map.Node("op", false), $"{path}.threshold.op", $"'{op}' is not a comparison ({string.Join(" ", RuleFileParser.OperatorList)})");
                if (metric.IsRate && value is < 0 or > 1)
                    reader.Error(map.Node("value", false), $"{path}.threshold.value", $"{metric.Kind} is a share between 0 and 1 (5 % is 0.05)");
                return op is null || value is null || !RuleFileParser.TryOperator(op, out _) ? null : new ThresholdCondition(comparison, value.Value);
            }
            case "baseline_ratio":
            {
                map.Only("factor", "baseline_days", "min_baseline_days", "floor");
                var factor = map.Number("factor", min: 1, exclusiveMin: true);
                var days = map.Integer("baseline_days", required: false, min: 1, max: 90) ?? (map.Has("baseline_days") ? null : 7);
                var minDays = map.Integer("min_baseline_days", required: false, min: 1, max: 90) ?? (map.Has("min_baseline_days") ? null : 3);
                var floor = map.Number("floor", min: 0);
                if (days is not null && minDays > days)
                    reader.Error(map.Node("min_baseline_days", false), $"{path}.baseline_ratio.min_baseline_days", $"{minDays} is more than baseline_days ({days})");
                if (metric.Kind is not (MetricKind.Cost or MetricKind.BudgetEvent or MetricKind.UnpricedModel or MetricKind.ErrorQueueDepth))
                    reader.Error(node, path, $"baseline_ratio compares daily totals; {metric.Kind} is not a total");
                if (metric.Window != TimeSpan.FromDays(1))
                    reader.Error(node, path, $"baseline_ratio compares daily totals: the metric's window must be 1d, not {Duration.Format(metric.Window)}");
                return factor is null || days is null || minDays is null || floor is null ? null : new BaselineRatioCondition(factor.Value, days.Value, minDays.Value, floor.Value);
            }
            case "wilson":
            {
                map.Only("threshold", "min_samples", "confidence");
                var threshold = map.Number("threshold", min: 0, max: 1, exclusiveMin: true, exclusiveMax: true);
                var minSamples = map.Integer("min_samples", min: 1);
                var confidence = map.Number("confidence", required: false, min: 0.5, max: 1, exclusiveMax: true) ?? (map.Has("confidence") ? null : 0.95);
                if (metric.Kind is not (MetricKind.ScoreRate or MetricKind.ErrorRate))
                    reader.Error(node, path, $"wilson judges a failure rate (score_rate, error_rate), not {metric.Kind}");
                return threshold is null || minSamples is null || confidence is null ? null : new WilsonCondition(threshold.Value, minSamples.Value, confidence.Value);
            }
            default:
            {
                map.Only("slo", "windows");
                var slo = map.Number("slo", min: 0, max: 1, exclusiveMin: true, exclusiveMax: true);
                if (metric.Kind is not (MetricKind.ErrorRate or MetricKind.ScoreRate))
                    reader.Error(node, path, $"burn_rate spends an error budget (error_rate, score_rate), not {metric.Kind}");
                var windows = new List<BurnWindow>();
                var items = map.Node("windows", true) is { } list ? reader.Sequence(list, $"{path}.burn_rate.windows") : [];
                for (var i = 0; i < items.Count; i++)
                {
                    var windowPath = $"{path}.burn_rate.windows[{i}]";
                    var window = reader.Map(items[i], windowPath);
                    if (window is null)
                        continue;
                    window.Only("long", "short", "factor");
                    var longWindow = window.Duration("long", positive: true);
                    var shortWindow = window.Duration("short", positive: true);
                    var factor = window.Number("factor", min: 0, exclusiveMin: true);
                    if (longWindow is not null && shortWindow >= longWindow)
                        reader.Error(items[i], windowPath, "the short window must be shorter than the long one");
                    else if (longWindow is not null && shortWindow is not null && factor is not null)
                        windows.Add(new BurnWindow(longWindow.Value, shortWindow.Value, factor.Value));
                }
                if (items.Count == 0 && map.Has("windows"))
                    reader.Error(map.Node("windows", false), $"{path}.burn_rate.windows", "at least one window pair is required");
                return slo is null || windows.Count == 0 ? null : new BurnRateCondition(slo.Value, windows);
            }
        }
    }
}
