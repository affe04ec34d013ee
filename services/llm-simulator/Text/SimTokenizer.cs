using System.Text.RegularExpressions;

namespace LlmOps.LlmSimulator.Text;

/// <summary>
/// The simulator's tokenizer, simple enough to count by hand: a token is a run of letters and digits or a single
/// other non-space character, together with the whitespace before it. "Hello, world!" is four tokens.
/// Concatenating the tokens of a text gives the text back (less trailing whitespace), so streamed chunks add up to the
/// non-streamed answer exactly.
/// </summary>
public static partial class SimTokenizer
{
    [GeneratedRegex(@"\s*(?:[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_])", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();

    public static int Count(string? text) => string.IsNullOrEmpty(text) ? 0 : TokenPattern().Count(text);

    public static List<string> Split(string text)
    {
        var pieces = new List<string>();
        foreach (var match in TokenPattern().EnumerateMatches(text))
            pieces.Add(text.Substring(match.Index, match.Length));
        return pieces;
    }

    /// <summary>
    /// Prompt tokens of a chat request, following the shape of OpenAI's published rule: 3 tokens of priming, and per
    /// message 3 tokens of framing plus its content (plus 1 if it has a name). Tool definitions count as their JSON text.
    /// </summary>
    public static int CountPrompt(IEnumerable<(string Role, string? Content, string? Name)> messages, string? toolsJson)
    {
        var total = 3;
        foreach (var (_, content, name) in messages)
            total += 3 + Count(content) + (name is null ? 0 : 1);
        return total + Count(toolsJson);
    }
}
