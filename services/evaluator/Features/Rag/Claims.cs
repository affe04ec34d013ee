using System.Buffers;
using System.Collections.Frozen;

namespace LlmOps.Evaluator.Features.Rag;

/// <summary>A sentence of an answer or reference that has content terms: the unit the claim-based metrics count.</summary>
internal readonly record struct Claim(string Text, Dictionary<string, TermKind> Terms);

/// <summary>Splits a text into claims; see <see cref="TextTerms.Sentences"/> for the rules.</summary>
internal static class Claims
{
    // A period after these is not the end of a sentence.
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Abbreviations = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        ["e.g", "i.e", "mr", "mrs", "ms", "dr", "prof", "st", "vs", "fig", "approx", "inc", "ltd", "jr", "sr", "cf", "u.s", "u.k"])
        .GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly SearchValues<char> Boundaries = SearchValues.Create(".!?;\n\r");

    public static List<Claim> Split(string? text)
    {
        var claims = new List<Claim>();
        if (string.IsNullOrWhiteSpace(text)) return claims;
        var span = text.AsSpan();
        var start = 0;
        while (start < span.Length)
        {
            var end = start;
            while (true)
            {
                var found = span[end..].IndexOfAny(Boundaries);
                if (found < 0) { end = span.Length; break; }
                end += found;
                if (span[end] != '.' || EndsSentence(span, start, end)) break;
                end++;
            }
            Add(claims, text, start, end);
            start = end + 1;
        }
        return claims;
    }

    private static void Add(List<Claim> claims, string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        if (start == end || text[start] == '#') return;   // a Markdown heading titles claims, it is not one
        start += ListMarkerLength(text.AsSpan(start, end - start));
        var terms = TextTerms.Bag(text.AsSpan(start, end - start));
        if (terms.Count > 0) claims.Add(new Claim(text[start..end], terms));
    }

    private static bool EndsSentence(ReadOnlySpan<char> text, int start, int dot)
    {
        // 3.5, e.g.x, example.com: a period inside a token.
        if (dot + 1 < text.Length && !char.IsWhiteSpace(text[dot + 1]) && text[dot + 1] is not ('"' or '\'' or ')' or ']' or '\u201D' or '\u2019' or '*'))
            return false;
        var wordStart = dot;
        while (wordStart > start && (char.IsLetterOrDigit(text[wordStart - 1]) || text[wordStart - 1] == '.')) wordStart--;
        var word = text[wordStart..dot];
        if (word.Length == 1 && char.IsLetter(word[0])) return false;   // initials: J. K. Rowling
        if (Abbreviations.Contains(word)) return false;
        // "1." or "a." opening a line is a list marker, not a sentence.
        var before = text[start..wordStart].Trim();
        return !(before.IsEmpty && word.Length is > 0 and <= 3 && IsListOrdinal(word));
    }

    private static bool IsListOrdinal(ReadOnlySpan<char> word) =>
        !word.ContainsAnyExceptInRange('0', '9') || (word.Length == 1 && char.IsLetter(word[0]));

    // Bullets (- * + • ‣ ◦ · – — >) and ordinals (1. 1) (1) a) iv.) opening an item, with the space after them.
    private static int ListMarkerLength(ReadOnlySpan<char> piece)
    {
        var k = 0;
        while (k < piece.Length && (piece[k] is '-' or '*' or '+' or '\u2022' or '\u2023' or '\u25E6' or '\u00B7' or '\u2013' or '\u2014' or '>' || char.IsWhiteSpace(piece[k])))
            k++;
        var open = k < piece.Length && piece[k] == '(' ? k + 1 : k;
        var close = open;
        while (close < piece.Length && close - open < 4 && char.IsAsciiLetterOrDigit(piece[close])) close++;
        if (close > open && close < piece.Length && piece[close] is '.' or ')'
            && (close + 1 == piece.Length || char.IsWhiteSpace(piece[close + 1]))
            && IsOrdinal(piece[open..close], piece[close]))
        {
            k = close + 1;
            while (k < piece.Length && char.IsWhiteSpace(piece[k])) k++;
        }
        return k;
    }

    // "J. K. Rowling" is not a list: a letter before a period is an ordinal only in lower case (a. iv.), before ")" in either.
    private static bool IsOrdinal(ReadOnlySpan<char> s, char close) =>
        !s.ContainsAnyExceptInRange('0', '9')
        || (close == ')' && s.Length == 1)
        || (!s.ContainsAnyExcept("abcdefghijklmnopqrstuvwxyz") && (s.Length == 1 || !s.ContainsAnyExcept("ivxlc")));
}
