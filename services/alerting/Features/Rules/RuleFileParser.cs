using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Alerting.Features.Rules;

/// <summary>A rules file that does not load, with every problem found (each with its line and column).</summary>
public sealed class RuleFileException(IReadOnlyList<string> errors)
    : Exception("The alert rules are invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// Reads the alert rules file (format: docs/alerting-rules.md): a top-level <c>groups:</c> list, each group a
/// <c>name</c>, an optional evaluation <c>interval</c> and its <c>rules</c>. Strict: unknown keys, bad durations,
/// numbers out of range, conditions that do not fit the metric all fail the load with their line numbers.
/// </summary>
public static partial class RuleFileParser
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);
    public static readonly IReadOnlySet<string> Severities = new HashSet<string> { "critical", "error", "warning", "info" };

    private static readonly Dictionary<string, MetricKind> MetricNames = new()
    {
        ["cost"] = MetricKind.Cost,
        ["score_rate"] = MetricKind.ScoreRate,
        ["latency_p95"] = MetricKind.LatencyPercentile,
        ["latency_percentile"] = MetricKind.LatencyPercentile,
        ["error_rate"] = MetricKind.ErrorRate,
        ["cache_hit_rate"] = MetricKind.CacheHitRate,
        ["budget_event"] = MetricKind.BudgetEvent,
        ["unpriced_model"] = MetricKind.UnpricedModel,
        ["evaluator_lag"] = MetricKind.EvaluatorLag,
        ["error_queue_depth"] = MetricKind.ErrorQueueDepth,
    };

    /// <summary>The labels a metric can be filtered and split by.</summary>
    public static readonly IReadOnlyList<string> MetricLabels = ["project", "feature", "model", "prompt", "score", "queue", "event"];

    private static readonly Dictionary<string, ComparisonOperator> Operators = new()
    {
        [">"] = ComparisonOperator.GreaterThan, [">="] = ComparisonOperator.GreaterOrEqual,
        ["<"] = ComparisonOperator.LessThan, ["<="] = ComparisonOperator.LessOrEqual,
        ["=="] = ComparisonOperator.Equal, ["!="] = ComparisonOperator.NotEqual,
    };

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex Identifier();

    public static RulesFile Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    public static RulesFile Parse(string yaml, string source = "rules.yaml")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new RuleFileException([$"{source}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.InnerException?.Message ?? e.Message}"]);
        }
        var reader = new YamlReader(source);
        if (stream.Documents.Count != 1)
            throw new RuleFileException([$"{source}: expected one YAML document, found {stream.Documents.Count}"]);
        var groups = new List<RuleGroup>();
        var root = reader.Map(stream.Documents[0].RootNode, "(root)");
        if (root is not null)
        {
            root.Only("groups");
            var names = new HashSet<string>(StringComparer.Ordinal);
            var groupNodes = root.Node("groups", required: true);
            var items = groupNodes is null ? [] : reader.Sequence(groupNodes, "groups");
            for (var i = 0; i < items.Count; i++)
                if (ReadGroup(reader, items[i], $"groups[{i}]", names) is { } group)
                    groups.Add(group);
        }
        if (reader.Errors.Count > 0)
            throw new RuleFileException(reader.Errors);
        return new RulesFile(groups);
    }

    private static RuleGroup? ReadGroup(YamlReader reader, YamlNode node, string path, HashSet<string> ruleNames)
    {
        var map = reader.Map(node, path);
        if (map is null)
            return null;
        map.Only("name", "interval", "rules");
        var name = map.String("name");
        var interval = map.Has("interval") ? map.Duration("interval", positive: true) : DefaultInterval;
        var rules = new List<AlertRule>();
        var ruleNodes = map.Node("rules", required: true);
        var items = ruleNodes is null ? [] : reader.Sequence(ruleNodes, $"{path}.rules");
        for (var i = 0; i < items.Count; i++)
        {
            var rulePath = $"{path}.rules[{i}]";
            var rule = RuleReader.Read(reader, items[i], rulePath);
            if (rule is null)
                continue;
            if (!ruleNames.Add(rule.Name))
                reader.Error(items[i], rulePath, $"a rule named '{rule.Name}' already exists (rule names are unique in the file)");
            else
                rules.Add(rule);
        }
        return name is null || interval is null ? null : new RuleGroup(name, interval.Value, rules);
    }

    internal static bool IsIdentifier(string text) => Identifier().IsMatch(text);

    internal static bool TryMetric(string name, out MetricKind kind) => MetricNames.TryGetValue(name, out kind);

    internal static IEnumerable<string> MetricNamesList => MetricNames.Keys;

    internal static bool TryOperator(string text, out ComparisonOperator op) => Operators.TryGetValue(text, out op);

    internal static IEnumerable<string> OperatorList => Operators.Keys;
}
