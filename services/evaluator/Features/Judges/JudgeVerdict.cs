using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmOps.Evaluator.Features.Judges;

/// <summary>A judge's verdict read from its reply, or why it could not be read.</summary>
public sealed record JudgeVerdict(double? Score, string? Label, string? Explanation, string? Error)
{
    public bool Ok => Error is null;
}

/// <summary>
/// Reads a judge model's reply robustly: a JSON object (also inside a code fence or surrounded by prose), with the score
/// under <c>score</c>, <c>rating</c> or <c>value</c> (a number, a numeric string, <c>"80%"</c> or <c>"4/5"</c>) and the
/// verdict under <c>verdict</c> or <c>label</c>; failing JSON, lines such as <c>Score: 0.8</c> and <c>Verdict: factual</c>.
/// A verdict alone gives its label's score (good 1, bad 0); a score alone gives the label by the 0.5 threshold. A score
/// within 0.1 of the threshold is labelled <c>uncertain</c> (judges flip around thresholds). Anything else — no score and no
/// verdict, a score outside 0–1, an unknown verdict — is an error, never a guessed value.
/// </summary>
public static partial class JudgeVerdictParser
{
    public const double UncertainBand = 0.1;

    public static JudgeVerdict Parse(string? reply, string goodLabel, string badLabel)
    {
        if (string.IsNullOrWhiteSpace(reply))
            return new JudgeVerdict(null, null, null, "the judge returned an empty reply");
        var (score, label, explanation, problem) = FromJson(reply) ?? FromLines(reply);
        if (problem is not null)
            return new JudgeVerdict(null, null, explanation, problem);

        if (label is not null)
        {
            label = label.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');
            if (label != goodLabel && label != badLabel)
                return new JudgeVerdict(null, null, explanation, $"the judge's verdict '{label}' is neither {goodLabel} nor {badLabel}");
        }
        if (score is null && label is null)
            return new JudgeVerdict(null, null, explanation, "the judge's reply has no score and no verdict");
        score ??= label == goodLabel ? 1.0 : 0.0;
        if (score is < 0 or > 1 || double.IsNaN(score.Value))
            return new JudgeVerdict(null, null, explanation, $"the judge's score {score} is outside 0–1");
        label = Math.Abs(score.Value - 0.5) < UncertainBand ? "uncertain" : score >= 0.5 ? goodLabel : badLabel;
        return new JudgeVerdict(Math.Round(score.Value, 4), label, explanation?.Trim(), null);
    }

    private static (double? Score, string? Label, string? Explanation, string? Problem)? FromJson(string reply)
    {
        var start = reply.IndexOf('{');
        var end = reply.LastIndexOf('}');
        if (start < 0 || end <= start)
            return null;
        try
        {
            using var json = JsonDocument.Parse(reply.AsMemory(start, end - start + 1));
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return null;
            double? score = null;
            foreach (var name in new[] { "score", "rating", "value" })
            {
                if (!root.TryGetProperty(name, out var value))
                    continue;
                score = value.ValueKind switch
                {
                    JsonValueKind.Number => value.GetDouble(),
                    JsonValueKind.String => Number(value.GetString()!),
                    _ => null,
                };
                if (score is null)
                    return (null, null, Text(root, "explanation"), $"the judge's {name} '{value.GetRawText()}' is not a number");
                break;
            }
            var label = Text(root, "verdict") ?? Text(root, "label");
            var explanation = Text(root, "explanation") ?? Text(root, "reasoning") ?? Text(root, "reason");
            return (score, label, explanation, null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (double?, string?, string?, string?) FromLines(string reply)
    {
        var score = ScoreLine().Match(reply) is { Success: true } s ? Number(s.Groups[1].Value) : null;
        var label = VerdictLine().Match(reply) is { Success: true } v ? v.Groups[1].Value : null;
        var explanation = ExplanationLine().Match(reply) is { Success: true } e ? e.Groups[1].Value : null;
        return (score, label, explanation, null);
    }

    /// <summary>0.8, "0.8", "80%", "4/5", "8 / 10".</summary>
    private static double? Number(string text)
    {
        text = text.Trim();
        if (text.EndsWith('%') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent))
            return percent / 100;
        var slash = text.IndexOf('/');
        if (slash > 0 && double.TryParse(text[..slash], NumberStyles.Float, CultureInfo.InvariantCulture, out var over)
            && double.TryParse(text[(slash + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var of) && of > 0)
            return over / of;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex(@"(?im)^\W*score\W*[:=]\s*([0-9.]+\s*(?:%|/\s*[0-9.]+)?)")]
    private static partial Regex ScoreLine();

    [GeneratedRegex(@"(?im)^\W*(?:verdict|label)\W*[:=]\s*([A-Za-z_\- ]+?)\s*$")]
    private static partial Regex VerdictLine();

    [GeneratedRegex(@"(?im)^\W*(?:explanation|reasoning|reason)\W*[:=]\s*(.+)$")]
    private static partial Regex ExplanationLine();
}
