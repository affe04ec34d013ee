using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using LlmOps.Evaluator.Features.Configuration;

namespace LlmOps.Evaluator.Features.Experiments;

/// <summary>One evaluator of an experiment: a built-in kind with its settings, under a name (the kind unless given) that its metric carries.</summary>
public sealed record ExperimentEvaluator(string Name, string Kind, JsonElement? Settings, string? JudgeDeployment = null, string? RubricVersion = null)
{
    /// <summary>Judged by an LLM through the gateway (a <c>judgeDeployment</c> was given), else by the deterministic method.</summary>
    [JsonIgnore]
    public bool IsJudge => JudgeDeployment is not null;

    [JsonIgnore]
    public bool IsCheck => EvaluatorKinds.Checks.Contains(Kind);
}

/// <summary>
/// The gate's conditions, normalised: a minimum mean per metric, a minimum pass rate per check, the largest drop of any
/// metric's mean against the baseline, and the largest share of items whose gateway call failed.
/// </summary>
public sealed record ExperimentGate
{
    public const double DefaultMaxErrorRate = 0.05;

    public Dictionary<string, double> MinMean { get; init; } = [];
    public Dictionary<string, double> MinPassRate { get; init; } = [];
    public double? MaxRegression { get; init; }
    public double MaxErrorRate { get; init; } = DefaultMaxErrorRate;
}

/// <summary>Reads and checks <c>POST /api/experiments</c>'s evaluators and gate; every problem is a field error (400).</summary>
public static partial class ExperimentSpec
{
    public const int MaxEvaluators = 20;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}(?:@[A-Za-z0-9._\-]{1,64}|#[0-9]{1,9})?$")]
    private static partial Regex PromptReference();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$")]
    private static partial Regex MetricName();

    public static bool IsPromptReference(string text) => PromptReference().IsMatch(text);

    public static List<ExperimentEvaluator>? Evaluators(JsonElement? given, Dictionary<string, string[]> errors)
    {
        if (given is not { ValueKind: JsonValueKind.Array } array || array.GetArrayLength() is 0 or > MaxEvaluators)
        {
            errors["evaluators"] = [$"evaluators is an array of 1 to {MaxEvaluators} kinds ({string.Join(", ", EvaluatorKinds.All)}), each a name or {{kind, name?, settings?}}."];
            return null;
        }
        var evaluators = new List<ExperimentEvaluator>();
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var key = $"evaluators[{index++}]";
            string? kind, name, judge = null, rubric = null;
            JsonElement? settings = null;
            if (element.ValueKind == JsonValueKind.String)
                kind = name = element.GetString();
            else if (element.ValueKind == JsonValueKind.Object)
            {
                kind = element.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                name = element.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : kind;
                if (element.TryGetProperty("settings", out var s) && s.ValueKind != JsonValueKind.Null)
                    settings = s.Clone();
                judge = element.TryGetProperty("judgeDeployment", out var j) && j.ValueKind == JsonValueKind.String ? j.GetString() : null;
                rubric = element.TryGetProperty("rubricVersion", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            }
            else
            {
                errors[key] = ["An evaluator is a kind name or an object {kind, name?, settings?}."];
                continue;
            }
            if (kind is null || !EvaluatorKinds.All.Contains(kind))
                errors[key] = [$"kind is one of {string.Join(", ", EvaluatorKinds.All)}."];
            else if (EvaluatorKinds.Compile(kind, settings) is { Problem: { } problem })
                errors[key] = [problem];
            else if (judge is null && EvaluatorKinds.JudgeOnly.Contains(kind))
                errors[key] = [$"{kind} needs an LLM judge: give judgeDeployment, the model or route the gateway sends judge calls to."];
            else if (judge is not null && (judge.Length > 200 || Judges.JudgeRubrics.Find(kind, rubric) is null))
                errors[key] = [Judges.JudgeRubrics.Kinds.Contains(kind)
                    ? $"No rubric version {rubric} for {kind}, or judgeDeployment is longer than 200 characters."
                    : $"There is no judge rubric for {kind}; judges exist for {string.Join(", ", Judges.JudgeRubrics.Kinds)}."];
            else if (settings is { } given2 && given2.GetRawText().Length > 64 * 1024)
                errors[key] = ["settings are at most 64 KB."];
            else if (name is null || !MetricName().IsMatch(name))
                errors[key] = ["name is 1 to 100 lower-case letters, digits, dots, dashes and underscores."];
            else if (evaluators.Any(e => e.Name == name))
                errors[key] = [$"Two evaluators are named {name}; give one another name."];
            else
                evaluators.Add(new ExperimentEvaluator(name, kind, settings, judge, rubric));
        }
        return evaluators;
    }

    public static ExperimentGate? Gate(JsonElement? given, IReadOnlyList<ExperimentEvaluator> evaluators, bool hasBaseline, Dictionary<string, string[]> errors)
    {
        if (given is null || given.Value.ValueKind == JsonValueKind.Null)
            return new ExperimentGate();
        if (given.Value.ValueKind != JsonValueKind.Object)
        {
            errors["gate"] = ["gate is an object: {metrics: {metric: minimum mean}, minPassRate, maxRegression, maxErrorRate}."];
            return null;
        }
        var gate = given.Value;
        var names = evaluators.Select(e => e.Name).ToHashSet();
        var minMean = new Dictionary<string, double>();
        if (gate.TryGetProperty("metrics", out var metrics) && metrics.ValueKind != JsonValueKind.Null)
        {
            if (metrics.ValueKind != JsonValueKind.Object)
                errors["gate.metrics"] = ["gate.metrics maps a metric to its minimum mean (0 to 1)."];
            else
                foreach (var metric in metrics.EnumerateObject())
                {
                    if (!names.Contains(metric.Name))
                        errors[$"gate.metrics.{metric.Name}"] = [$"{metric.Name} is not one of this experiment's evaluators ({string.Join(", ", names)})."];
                    else if (Share(metric.Value) is { } minimum)
                        minMean[metric.Name] = minimum;
                    else
                        errors[$"gate.metrics.{metric.Name}"] = ["A minimum mean is a number from 0 to 1."];
                }
        }

        var minPassRate = new Dictionary<string, double>();
        if (gate.TryGetProperty("minPassRate", out var passRate) && passRate.ValueKind != JsonValueKind.Null)
        {
            var checks = evaluators.Where(e => e.IsCheck).Select(e => e.Name).ToList();
            if (Share(passRate) is { } all)
            {
                if (checks.Count == 0)
                    errors["gate.minPassRate"] = ["minPassRate applies to checks, and this experiment has none."];
                foreach (var check in checks)
                    minPassRate[check] = all;
            }
            else if (passRate.ValueKind == JsonValueKind.Object)
                foreach (var check in passRate.EnumerateObject())
                {
                    if (!checks.Contains(check.Name))
                        errors[$"gate.minPassRate.{check.Name}"] = [$"{check.Name} is not one of this experiment's checks ({string.Join(", ", checks)})."];
                    else if (Share(check.Value) is { } minimum)
                        minPassRate[check.Name] = minimum;
                    else
                        errors[$"gate.minPassRate.{check.Name}"] = ["A minimum pass rate is a number from 0 to 1."];
                }
            else
                errors["gate.minPassRate"] = ["minPassRate is a share from 0 to 1 (every check), or an object check → share."];
        }

        double? maxRegression = null;
        if (gate.TryGetProperty("maxRegression", out var regression) && regression.ValueKind != JsonValueKind.Null)
        {
            maxRegression = Share(regression);
            if (maxRegression is null)
                errors["gate.maxRegression"] = ["maxRegression is a drop from 0 to 1 (0.02 = a mean may fall at most 0.02 below the baseline's)."];
            else if (!hasBaseline)
                errors["gate.maxRegression"] = ["maxRegression compares with a baseline: give baselineExperimentId."];
        }

        var maxErrorRate = ExperimentGate.DefaultMaxErrorRate;
        if (gate.TryGetProperty("maxErrorRate", out var errorRate) && errorRate.ValueKind != JsonValueKind.Null)
        {
            if (Share(errorRate) is { } rate)
                maxErrorRate = rate;
            else
                errors["gate.maxErrorRate"] = ["maxErrorRate is a share from 0 to 1 of items whose gateway call may fail."];
        }
        return new ExperimentGate { MinMean = minMean, MinPassRate = minPassRate, MaxRegression = maxRegression, MaxErrorRate = maxErrorRate };
    }

    private static double? Share(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && number is >= 0 and <= 1 ? number : null;
}
