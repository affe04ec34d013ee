using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Features.Engine;

/// <summary>Where a rule came from: the mounted file (read-only through the API) or <c>/api/rules</c>.</summary>
public static class RuleSources
{
    public const string File = "file";
    public const string Api = "api";
}

/// <summary>A rule as the engine schedules it.</summary>
public sealed record ScheduledRule(AlertRule Rule, string Group, TimeSpan Interval, string Source, string? Definition = null);

/// <summary>
/// Parses one rule given through the API (JSON or YAML, the same keys as a rule in the rules file) with the file's strict
/// reader, so both ways in accept exactly the same rules and report mistakes the same way.
/// </summary>
public static class ApiRuleParser
{
    public const string Group = "api";

    /// <summary>Throws <see cref="RuleFileException"/> with every problem.</summary>
    public static AlertRule Parse(string definition)
    {
        // JSON is YAML's flow style, so a JSON object drops into a YAML sequence as it is; YAML is indented under it.
        var indented = string.Join("\n", definition.Replace("\r\n", "\n").Split('\n').Select(line => "      " + line));
        var file = $"groups:\n  - name: {Group}\n    rules:\n    -\n{indented}\n";
        var rules = RuleFileParser.Parse(file, "rule").Rules.ToList();
        return rules.Count == 1 ? rules[0] : throw new RuleFileException(["rule: expected exactly one rule"]);
    }
}
