using YamlDotNet.RepresentationModel;

namespace LlmOps.Alerting.Features.Rules;

/// <summary>One rule of the rules file: its metric, condition, durations, labels and annotations, checked together.</summary>
internal static class RuleReader
{
    public static AlertRule? Read(YamlReader reader, YamlNode node, string path)
    {
        var map = reader.Map(node, path);
        if (map is null)
            return null;
        map.Only("name", "metric", "condition", "for", "keep_firing_for", "labels", "annotations");
        var errorsBefore = reader.Errors.Count;
        var name = map.String("name");
        if (name is not null && !RuleFileParser.IsIdentifier(name))
            reader.Error(map.Node("name", false), $"{path}.name", $"'{name}' is not a rule name (letters, digits and _, not starting with a digit)");
        if (name is not null)
            path = $"{path} ({name})";
        var metricNode = map.Node("metric", required: true);
        var metric = metricNode is null ? null : ReadMetric(reader, metricNode, $"{path}.metric");
        var conditionNode = map.Node("condition", required: true);
        var condition = conditionNode is null || metric is null ? null : ConditionReader.Read(reader, conditionNode, $"{path}.condition", metric);
        var forDuration = map.Has("for") ? map.Duration("for") : TimeSpan.Zero;
        var keepFiringFor = map.Has("keep_firing_for") ? map.Duration("keep_firing_for") : TimeSpan.Zero;
        var labels = ReadLabels(reader, map, path);
        if (metric is not null)
            foreach (var overlap in metric.By.Where(labels.ContainsKey))
                reader.Error(map.Node("labels", false), $"{path}.labels",
                    $"'{overlap}' is also in metric.by: a static label would give every series the same labels (drop one of them)");
        var annotations = ReadAnnotations(reader, map, path);
        if (reader.Errors.Count > errorsBefore || name is null || metric is null || condition is null || forDuration is null || keepFiringFor is null)
            return null;
        return new AlertRule
        {
            Name = name,
            Metric = metric,
            Condition = condition,
            For = forDuration.Value,
            KeepFiringFor = keepFiringFor.Value,
            Labels = labels,
            Annotations = annotations,
        };
    }

    private static MetricQuery? ReadMetric(YamlReader reader, YamlNode node, string path)
    {
        var map = reader.Map(node, path);
        if (map is null)
            return null;
        map.Only("name", "window", "filters", "by", "score", "below", "label", "percentile");
        var name = map.String("name");
        MetricKind kind = default;
        if (name is not null && !RuleFileParser.TryMetric(name, out kind))
        {
            reader.Error(map.Node("name", false), $"{path}.name", $"unknown metric '{name}' (expected one of: {string.Join(", ", RuleFileParser.MetricNamesList)})");
            name = null;
        }
        var window = map.Duration("window", positive: true);
        var filters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (label, keyNode, value) in map.StringMap("filters") ?? [])
        {
            if (!RuleFileParser.MetricLabels.Contains(label))
                reader.Error(keyNode, $"{path}.filters", $"cannot filter on '{label}' (expected one of: {string.Join(", ", RuleFileParser.MetricLabels)})");
            filters[label] = value;
        }
        var by = map.Strings("by") ?? [];
        foreach (var label in by.Where(l => !RuleFileParser.MetricLabels.Contains(l)))
            reader.Error(map.Node("by", false), $"{path}.by", $"cannot split by '{label}' (expected some of: {string.Join(", ", RuleFileParser.MetricLabels)})");
        if (by.Distinct().Count() != by.Count)
            reader.Error(map.Node("by", false), $"{path}.by", "a label is listed twice");

        string? score = null, scoreLabel = null;
        double? below = null, percentile = null;
        if (kind == MetricKind.ScoreRate && name is not null)
        {
            score = map.String("score");
            below = map.Has("below") ? map.Number("below") : null;
            scoreLabel = map.Has("label") ? map.String("label") : null;
            if (map.Has("below") == map.Has("label"))
                reader.Error(map.Has("below") ? map.Node("below", false) : null, path, "score_rate needs exactly one of 'below' (a score under it fails) or 'label' (a score with it fails)");
        }
        else
            foreach (var key in new[] { "score", "below", "label" }.Where(map.Has))
                reader.Error(map.Node(key, false), $"{path}.{key}", "only score_rate takes this");

        if (kind == MetricKind.LatencyPercentile && name == "latency_percentile")
            percentile = map.Number("percentile", min: 0, max: 100, exclusiveMin: true, exclusiveMax: true);
        else if (kind == MetricKind.LatencyPercentile && name is not null)
        {
            percentile = 95;
            if (map.Has("percentile"))
                reader.Error(map.Node("percentile", false), $"{path}.percentile", "latency_p95 is the 95th percentile; use latency_percentile to choose another");
        }
        else if (map.Has("percentile"))
            reader.Error(map.Node("percentile", false), $"{path}.percentile", "only latency_percentile takes this");

        if (name is null || window is null)
            return null;
        return new MetricQuery
        {
            Kind = kind, Window = window.Value, Filters = filters, By = by,
            Score = score, Below = below, ScoreLabel = scoreLabel, Percentile = percentile,
        };
    }

    private static Dictionary<string, string> ReadLabels(YamlReader reader, YamlMap map, string path)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, keyNode, value) in map.StringMap("labels", required: true) ?? [])
        {
            if (!RuleFileParser.IsIdentifier(name))
                reader.Error(keyNode, $"{path}.labels", $"'{name}' is not a label name (letters, digits and _)");
            else if (name == AlertLabels.AlertName)
                reader.Error(keyNode, $"{path}.labels", "'alertname' is set from the rule's name");
            labels[name] = value;
        }
        if (map.Has("labels"))
        {
            if (!labels.TryGetValue("severity", out var severity))
                reader.Error(map.Node("labels", false), $"{path}.labels", $"'severity' is required ({string.Join(", ", RuleFileParser.Severities)})");
            else if (!RuleFileParser.Severities.Contains(severity))
                reader.Error(map.Node("labels", false), $"{path}.labels.severity", $"'{severity}' is not a severity ({string.Join(", ", RuleFileParser.Severities)})");
        }
        return labels;
    }

    private static Dictionary<string, string> ReadAnnotations(YamlReader reader, YamlMap map, string path)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, keyNode, value) in map.StringMap("annotations", required: true) ?? [])
        {
            if (!RuleFileParser.IsIdentifier(name))
                reader.Error(keyNode, $"{path}.annotations", $"'{name}' is not an annotation name (letters, digits and _)");
            foreach (var problem in AnnotationTemplate.Validate(value))
                reader.Error(keyNode, $"{path}.annotations.{name}", problem);
            // An http(s) URL, or a path of the shipped runbooks (docs/runbooks/…), which pages link relative to the
            // operator's Alerting:RunbookBaseUrl.
            if (name == "runbook_url" && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri.Scheme is "http" or "https"
                    : value.StartsWith("docs/runbooks/", StringComparison.Ordinal) && !value.Contains("..", StringComparison.Ordinal)))
                reader.Error(keyNode, $"{path}.annotations.runbook_url", $"'{value}' is neither an http(s) URL nor a docs/runbooks/ path");
            annotations[name] = value;
        }
        if (map.Has("annotations") && !annotations.ContainsKey("summary"))
            reader.Error(map.Node("annotations", false), $"{path}.annotations", "'summary' is required");
        return annotations;
    }
}
