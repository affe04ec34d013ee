using System.Text.Json;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Checks;
using LlmOps.Evaluator.Features.Configuration;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Features.Rag;
using LlmOps.ServiceDefaults.Privacy;

namespace LlmOps.Evaluator.Features.Online;

/// <summary>The outcome of one evaluator on one trace, before it becomes a ScoreRecorded.</summary>
public readonly record struct Outcome(string Status, string DataType, double? Value, string? Label, string Explanation)
{
    public static Outcome Pass(string label, string explanation) => new(ScoreStatuses.Ok, ScoreDataTypes.Boolean, 1, label, explanation);
    public static Outcome Fail(string label, string explanation) => new(ScoreStatuses.Ok, ScoreDataTypes.Boolean, 0, label, explanation);
    public static Outcome NotApplicable(string why) => new(ScoreStatuses.NotApplicable, ScoreDataTypes.Numeric, null, null, why);

    public static Outcome Numeric(RagScore score) => score.Value is { } value
        ? new Outcome(ScoreStatuses.Ok, ScoreDataTypes.Numeric, Math.Round(value, 4), null, score.Explanation)
        : NotApplicable(score.Explanation);
}

/// <summary>
/// Runs a deterministic (lexical) evaluator on a finished trace. Checks score 1 when the answer passes and 0 when it
/// fails; RAG metrics score from 0 to 1. An evaluator that cannot say anything about a trace (no answer, no retrieved
/// documents, no reference) records "not applicable", never a 0 that would read as a failure.
/// </summary>
public static class CheckRunner
{
    public static Outcome Run(string kind, CheckSettings settings, TraceCompleted trace, int maxChars)
    {
        var answer = Cut(trace.Answer, maxChars);
        var question = Cut(trace.Question, maxChars);
        if (trace.Status != "ok" && answer is null)
            return Outcome.NotApplicable("the trace failed without an answer");
        switch (kind)
        {
            case ScoreNames.ContextRelevance:
                return Outcome.Numeric(LexicalRag.ContextRelevance(question, Documents(trace, maxChars)));
            case ScoreNames.Faithfulness:
                return Outcome.Numeric(LexicalRag.Faithfulness(answer, Documents(trace, maxChars)));
            case ScoreNames.AnswerRelevance:
                return Outcome.Numeric(LexicalRag.AnswerRelevance(question, answer));
            case ScoreNames.ContextPrecision:
                return Outcome.Numeric(LexicalRag.ContextPrecision(Documents(trace, maxChars), Cut(Reference(trace), maxChars)));
            case ScoreNames.ContextRecall:
                return Outcome.Numeric(LexicalRag.ContextRecall(Documents(trace, maxChars), Cut(Reference(trace), maxChars)));
        }
        if (answer is null)
            return Outcome.NotApplicable("the trace has no answer");

        switch (kind)
        {
            case ScoreNames.JsonValid:
            {
                var error = JsonError(answer, out var document);
                document?.Dispose();
                return error is null ? Outcome.Pass("valid", "The answer is valid JSON.") : Outcome.Fail("invalid", $"Not valid JSON: {error}");
            }
            case ScoreNames.JsonSchema:
            {
                var error = JsonError(answer, out var document);
                if (error is not null)
                    return Outcome.Fail("invalid", $"Not valid JSON: {error}");
                using (document)
                {
                    var errors = JsonSchemaValidator.Validate(document!.RootElement, settings.Schema!.Value);
                    return errors.Count == 0
                        ? Outcome.Pass("conforms", "The answer conforms to the schema.")
                        : Outcome.Fail("violates", $"{errors.Count} schema violation(s): {string.Join("; ", errors.Take(3))}");
                }
            }
            case ScoreNames.RequiredEntities:
            {
                var comparison = settings.CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
                var missing = settings.Entities!.Where(e => !answer.Contains(e, comparison)).ToList();
                return missing.Count == 0
                    ? Outcome.Pass("complete", $"All {settings.Entities!.Count} required entities are present.")
                    : Outcome.Fail("missing", $"Missing: {string.Join(", ", missing.Take(10).Select(m => $"\"{m}\""))}");
            }
            case ScoreNames.Regex:
            {
                bool matched;
                try
                {
                    matched = settings.Pattern!.IsMatch(answer);
                }
                catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
                {
                    return new Outcome(ScoreStatuses.Error, ScoreDataTypes.Boolean, null, null, "The pattern took too long on this answer.");
                }
                return matched == settings.MustMatch
                    ? Outcome.Pass(matched ? "matched" : "absent", matched ? "The answer matches the pattern." : "The answer does not contain the forbidden pattern.")
                    : Outcome.Fail(matched ? "matched" : "absent", matched ? "The answer contains the forbidden pattern." : "The answer does not match the pattern.");
            }
            case ScoreNames.Length:
                return Length(answer, settings);
            case ScoreNames.Refusal:
            {
                var verdict = RefusalDetector.Detect(answer);
                return verdict.IsRefusal
                    ? Outcome.Fail("refused", $"The answer refuses: \"{verdict.Phrase}\".")
                    : Outcome.Pass("answered", "No refusal found.");
            }
            case ScoreNames.PiiLeak:
            {
                var found = PiiDetector.Find(answer, settings.PiiKinds!);
                return found.Count == 0
                    ? Outcome.Pass("clean", "No personal data or secrets found in the answer.")
                    : Outcome.Fail("leak", $"Found {string.Join(", ", found.GroupBy(m => m.Kind).Select(g => $"{g.Count()} {g.Key}"))} in the answer.");
            }
            case ScoreNames.Language:
            {
                var expected = settings.ExpectedLanguage;
                if (expected is null)
                {
                    expected = question is null ? null : LanguageDetector.Detect(question).Language;
                    if (expected is null)
                        return Outcome.NotApplicable("the question's language cannot be told (and no expected language is configured)");
                }
                var detected = LanguageDetector.Detect(answer);
                if (detected.Language is null)
                    return Outcome.NotApplicable("the answer's language cannot be told");
                return detected.Language == expected
                    ? Outcome.Pass(detected.Language, $"The answer is in {detected.Language}, as expected.")
                    : Outcome.Fail(detected.Language, $"The answer is in {detected.Language}; expected {expected}.");
            }
            default:
                return new Outcome(ScoreStatuses.Error, ScoreDataTypes.Numeric, null, null, $"No deterministic method for {kind}.");
        }
    }

    private static Outcome Length(string answer, CheckSettings s)
    {
        var chars = answer.Length;
        var words = CountWords(answer);
        var problems = new List<string>();
        if (chars < s.MinChars) problems.Add($"{chars} characters < {s.MinChars}");
        if (chars > s.MaxChars) problems.Add($"{chars} characters > {s.MaxChars}");
        if (words < s.MinWords) problems.Add($"{words} words < {s.MinWords}");
        if (words > s.MaxWords) problems.Add($"{words} words > {s.MaxWords}");
        return problems.Count == 0
            ? Outcome.Pass("within", $"{chars} characters, {words} words: within bounds.")
            : Outcome.Fail(chars < s.MinChars || words < s.MinWords ? "too_short" : "too_long", string.Join("; ", problems));
    }

    private static int CountWords(string text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var letter = !char.IsWhiteSpace(c);
            if (letter && !inWord)
                count++;
            inWord = letter;
        }
        return count;
    }

    /// <summary>Null when the answer parses as JSON; a fenced ```json block is accepted, as models often wrap JSON in one.</summary>
    private static string? JsonError(string answer, out JsonDocument? document)
    {
        var text = answer.AsSpan().Trim();
        if (text.StartsWith("```"))
        {
            var firstLine = text.IndexOf('\n');
            var closing = text.LastIndexOf("```");
            if (firstLine > 0 && closing > firstLine)
                text = text[(firstLine + 1)..closing].Trim();
        }
        try
        {
            document = JsonDocument.Parse(text.ToString(), new JsonDocumentOptions { MaxDepth = 128 });
            return null;
        }
        catch (JsonException ex)
        {
            document = null;
            return ex.Message.Length > 200 ? ex.Message[..200] : ex.Message;
        }
    }

    /// <summary>The reference answer, when the trace carries one (metadata <c>reference</c> or <c>expected_output</c>).</summary>
    public static string? Reference(TraceCompleted trace) =>
        trace.Metadata.TryGetValue("reference", out var reference) ? reference
        : trace.Metadata.TryGetValue("expected_output", out var expected) ? expected : null;

    private static List<string> Documents(TraceCompleted trace, int maxChars)
    {
        var documents = new List<string>(trace.RetrievedDocuments.Count);
        var budget = maxChars * 4;
        foreach (var document in trace.RetrievedDocuments)
        {
            if (budget <= 0)
                break;
            var text = document.Content.Length > budget ? document.Content[..budget] : document.Content;
            documents.Add(text);
            budget -= text.Length;
        }
        return documents;
    }

    private static string? Cut(string? text, int maxChars) => text is null || text.Length <= maxChars ? text : text[..maxChars];
}
