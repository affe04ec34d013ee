using System.Text.Json;
using System.Text.RegularExpressions;
using LlmOps.Contracts.Inference;
using LlmOps.Evaluator.Features.Checks;
using LlmOps.Evaluator.Features.Loop;

namespace LlmOps.Evaluator.Features.Configuration;

/// <summary>The built-in evaluators (docs/evaluation.md documents each method). A kind is also the score's name.</summary>
public static class EvaluatorKinds
{
    public const string Lexical = "lexical";
    public const string Judge = "judge";

    public static readonly IReadOnlyList<string> Checks =
    [
        ScoreNames.JsonValid, ScoreNames.JsonSchema, ScoreNames.RequiredEntities, ScoreNames.Regex, ScoreNames.Length,
        ScoreNames.Refusal, ScoreNames.PiiLeak, ScoreNames.Language,
    ];

    public static readonly IReadOnlyList<string> Rag =
    [
        ScoreNames.ContextRelevance, ScoreNames.Faithfulness, ScoreNames.AnswerRelevance, ScoreNames.ContextPrecision, ScoreNames.ContextRecall,
    ];

    /// <summary>Only an LLM judge can tell these (the <c>judge</c> method).</summary>
    public static readonly IReadOnlyList<string> JudgeOnly = [Judges.JudgeRubrics.Hallucination, Judges.JudgeRubrics.Toxicity, Judges.JudgeRubrics.Correctness];

    public static readonly IReadOnlyList<string> All = [.. Checks, .. Rag, .. JudgeOnly];

    /// <summary>PII kinds a leak check looks for unless told otherwise (IP addresses are too often legitimate content).</summary>
    public static readonly IReadOnlySet<string> DefaultPiiKinds = new HashSet<string>(PiiKinds.All.Where(k => k != PiiKinds.Ip));

    /// <summary>Parses and checks a kind's settings: the compiled form, or the problem with them (answered as 400).</summary>
    public static (CheckSettings? Settings, string? Problem) Compile(string kind, JsonElement? settings)
    {
        var s = settings is { ValueKind: JsonValueKind.Object } o ? o : (JsonElement?)null;
        if (settings is { } given && given.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined))
            return (null, "settings must be a JSON object.");
        switch (kind)
        {
            case ScoreNames.JsonSchema:
                if (s is null || !s.Value.TryGetProperty("schema", out var schema))
                    return (null, "A json_schema evaluator needs settings.schema (a JSON Schema).");
                if (JsonSchemaValidator.SchemaProblem(schema) is { } problem)
                    return (null, $"settings.schema: {problem}");
                return (new CheckSettings { Schema = schema.Clone() }, null);
            case ScoreNames.RequiredEntities:
                var entities = Strings(s, "entities");
                if (entities is not { Count: > 0 and <= 100 } || entities.Any(e => e.Length is 0 or > 200))
                    return (null, "A required_entities evaluator needs settings.entities: 1 to 100 non-empty strings (≤ 200 characters).");
                return (new CheckSettings { Entities = entities, CaseSensitive = Bool(s, "caseSensitive") ?? false }, null);
            case ScoreNames.Regex:
                if (Text(s, "pattern") is not { Length: > 0 and <= 2_000 } pattern)
                    return (null, "A regex evaluator needs settings.pattern (≤ 2,000 characters).");
                try
                {
                    var regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
                    return (new CheckSettings { Pattern = regex, MustMatch = Bool(s, "mustMatch") ?? true }, null);
                }
                catch (ArgumentException ex)
                {
                    return (null, $"settings.pattern is not a valid regular expression: {ex.Message}");
                }
            case ScoreNames.Length:
                var bounds = new CheckSettings
                {
                    MinChars = Int(s, "minChars"), MaxChars = Int(s, "maxChars"), MinWords = Int(s, "minWords"), MaxWords = Int(s, "maxWords"),
                };
                if (bounds.MinChars is null && bounds.MaxChars is null && bounds.MinWords is null && bounds.MaxWords is null)
                    return (null, "A length evaluator needs at least one of settings.minChars, maxChars, minWords, maxWords.");
                if (bounds.MinChars > bounds.MaxChars || bounds.MinWords > bounds.MaxWords || new[] { bounds.MinChars, bounds.MaxChars, bounds.MinWords, bounds.MaxWords }.Any(v => v < 0))
                    return (null, "Length bounds must be non-negative and each minimum at most its maximum.");
                return (bounds, null);
            case ScoreNames.PiiLeak:
                var kinds = Strings(s, "kinds");
                if (kinds is not null && (kinds.Count == 0 || kinds.Any(k => !PiiKinds.All.Contains(k))))
                    return (null, $"settings.kinds lists PII kinds from: {string.Join(", ", PiiKinds.All)}.");
                return (new CheckSettings { PiiKinds = kinds is null ? DefaultPiiKinds : new HashSet<string>(kinds) }, null);
            case ScoreNames.Language:
                var expected = Text(s, "expected");
                if (expected is not null && (expected.Length != 2 || !expected.All(char.IsAsciiLetterLower)))
                    return (null, "settings.expected is an ISO 639-1 code such as \"en\" (omit it to require the question's language).");
                return (new CheckSettings { ExpectedLanguage = expected }, null);
            default:
                return All.Contains(kind) ? (new CheckSettings(), null) : (null, $"kind is one of {string.Join(", ", All)}.");
        }
    }

    private static List<string>? Strings(JsonElement? s, string name) =>
        s is { } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : "").ToList()
            : null;

    private static string? Text(JsonElement? s, string name) =>
        s is { } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement? s, string name) =>
        s is { } o && o.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static int? Int(JsonElement? s, string name) =>
        s is { } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}

/// <summary>A kind's settings, parsed once when the configuration is loaded (never per trace).</summary>
public sealed record CheckSettings
{
    public JsonElement? Schema { get; init; }
    public IReadOnlyList<string>? Entities { get; init; }
    public bool CaseSensitive { get; init; }
    public Regex? Pattern { get; init; }
    public bool MustMatch { get; init; } = true;
    public int? MinChars { get; init; }
    public int? MaxChars { get; init; }
    public int? MinWords { get; init; }
    public int? MaxWords { get; init; }
    public IReadOnlySet<string>? PiiKinds { get; init; }
    public string? ExpectedLanguage { get; init; }
}
