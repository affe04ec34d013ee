using System.Text;
using System.Text.Json;
using LlmOps.Evaluator.Features.Gateway;

namespace LlmOps.Evaluator.Features.Judges;

/// <summary>
/// Compares two answers to one question, asking the judge twice with the answers in both orders (position bias is the
/// best-documented judge bias). Only a verdict that survives the swap counts; when the two orders disagree the result is
/// a tie marked inconsistent. A failed call or unreadable reply is an error, not a tie.
/// </summary>
public sealed class PairwiseJudge(GatewayClient gateway)
{
    public sealed record Comparison(string? Winner, bool Consistent, string? Explanation, string? Error);

    public async Task<Comparison> CompareAsync(string model, string question, string answerA, string answerB, string? context,
        CancellationToken cancellationToken)
    {
        var first = await AskAsync(model, question, answerA, answerB, context, cancellationToken);
        var second = await AskAsync(model, question, answerB, answerA, context, cancellationToken);
        if (first.Error is not null || second.Error is not null)
            return new Comparison(null, false, null, first.Error ?? second.Error);
        // The second call saw B as "A": map its verdict back.
        var swapped = second.Winner switch { "A" => "B", "B" => "A", var w => w };
        return first.Winner == swapped
            ? new Comparison(first.Winner, true, first.Explanation, null)
            : new Comparison("tie", false, $"The verdict changed with the order of the answers ({first.Winner} then {swapped}): treated as a tie.", null);
    }

    private async Task<(string? Winner, string? Explanation, string? Error)> AskAsync(string model, string question, string a, string b, string? context,
        CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        JudgeRunner.Section(text, "QUESTION", question);
        JudgeRunner.Section(text, "CONTEXT", context);
        JudgeRunner.Section(text, "ANSWER A", a);
        JudgeRunner.Section(text, "ANSWER B", b);
        var reply = await gateway.ChatAsync(new GatewayRequest
        {
            Model = model,
            Temperature = 0,
            MaxTokens = 300,
            Feature = "evaluator:pairwise",
            Metadata = new Dictionary<string, string> { ["rubric"] = JudgeRubrics.PairwiseVersion },
            Messages = [("system", $"You are an impartial evaluator. {JudgeRubrics.PairwiseCriteria}"), ("user", text.ToString())],
        }, cancellationToken);
        if (!reply.Ok)
            return (null, null, reply.Error);
        return ParseWinner(reply.Content);
    }

    public static (string? Winner, string? Explanation, string? Error) ParseWinner(string? reply)
    {
        if (string.IsNullOrWhiteSpace(reply))
            return (null, null, "the judge returned an empty reply");
        var start = reply.IndexOf('{');
        var end = reply.LastIndexOf('}');
        if (start >= 0 && end > start)
        {
            try
            {
                using var json = JsonDocument.Parse(reply.AsMemory(start, end - start + 1));
                if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("winner", out var w) && w.ValueKind == JsonValueKind.String)
                {
                    var explanation = json.RootElement.TryGetProperty("explanation", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                    return Normalize(w.GetString()!) is { } winner
                        ? (winner, explanation, null)
                        : (null, explanation, $"the judge's winner '{w.GetString()}' is not A, B or tie");
                }
            }
            catch (JsonException)
            {
                // Fall through to the error below.
            }
        }
        return (null, null, "the judge's reply names no winner");
    }

    private static string? Normalize(string winner) => winner.Trim().ToUpperInvariant() switch
    {
        "A" or "ANSWER A" => "A",
        "B" or "ANSWER B" => "B",
        "TIE" or "EQUAL" or "NEITHER" => "tie",
        _ => null,
    };
}
