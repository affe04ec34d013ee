using System.Globalization;
using System.Text.RegularExpressions;

namespace LlmOps.Alerting.Features.Rules;

/// <summary>
/// The small template language of annotations: <c>{{ $value }}</c>, <c>{{ $labels.project }}</c>, and the filters
/// <c>{{ $value | percent }}</c> (0.091 → <c>9.1 %</c>) and <c>{{ $value | humanize }}</c> (two decimals). A label the
/// alert lacks renders as an empty string. Anything else in braces is rejected when the rules file is loaded.
/// </summary>
public static partial class AnnotationTemplate
{
    [GeneratedRegex(@"\{\{\s*(.*?)\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^(?:\$value|\$labels\.[a-zA-Z_][a-zA-Z0-9_]*)(?:\s*\|\s*(?:percent|humanize))?$")]
    private static partial Regex Expression();

    /// <summary>The problems in <paramref name="template"/>, empty when it renders.</summary>
    public static IReadOnlyList<string> Validate(string template)
    {
        var errors = new List<string>();
        foreach (Match match in Placeholder().Matches(template))
            if (!Expression().IsMatch(match.Groups[1].Value))
                errors.Add($"'{match.Value}' is not a template expression ($value, $labels.<name>, optionally | percent or | humanize)");
        var unclosed = Placeholder().Replace(template, "");
        if (unclosed.Contains("{{", StringComparison.Ordinal) || unclosed.Contains("}}", StringComparison.Ordinal))
            errors.Add("unbalanced '{{' or '}}'");
        return errors;
    }

    public static string Render(string template, IReadOnlyDictionary<string, string> labels, double value) =>
        Placeholder().Replace(template, match =>
        {
            var parts = match.Groups[1].Value.Split('|', 2, StringSplitOptions.TrimEntries);
            if (parts[0] == "$value")
                return parts.Length == 1 ? value.ToString("0.####", CultureInfo.InvariantCulture)
                    : parts[1] == "percent" ? (value * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %"
                    : value.ToString("0.00", CultureInfo.InvariantCulture);
            if (parts[0].StartsWith("$labels.", StringComparison.Ordinal))
                return labels.TryGetValue(parts[0]["$labels.".Length..], out var label) ? label : "";
            return match.Value;
        });

    /// <summary>Every annotation of <paramref name="rule"/> rendered for one alert.</summary>
    public static IReadOnlyDictionary<string, string> RenderAll(AlertRule rule, IReadOnlyDictionary<string, string> labels, double value) =>
        rule.Annotations.ToDictionary(a => a.Key, a => Render(a.Value, labels, value));
}
