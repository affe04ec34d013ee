using System.Buffers;

namespace LlmOps.Evaluator.Features.Rag;

/// <summary>
/// Evasive answers ("I don't know", "I'm not sure", "the context does not mention ..."): RAGAS scores their answer
/// relevancy 0, and they state nothing that faithfulness could check. A sentence is noncommittal when it contains one of
/// <see cref="Phrases"/> (case-insensitive, ' or ’, starting at a word boundary).
/// </summary>
internal static class Noncommittal
{
    public static readonly string[] Phrases =
    [
        "i don't know", "i do not know", "i dont know", "no idea", "not sure", "not certain",
        "i'm unable", "i am unable", "i'm not able", "i am not able", "unable to answer", "unable to determine",
        "unable to find", "could not find", "couldn't find", "cannot answer", "can't answer",
        "cannot determine", "can't determine", "cannot be determined", "can't be determined",
        "impossible to determine", "not possible to determine", "not possible to say", "cannot say", "can't say",
        "not enough information", "insufficient information", "no information about", "no information on",
        "no relevant information", "don't have information", "do not have information", "don't have enough",
        "do not have enough", "don't have access", "do not have access",
        "does not mention", "doesn't mention", "do not mention", "don't mention", "is not mentioned", "are not mentioned",
        "not mentioned in", "does not specify", "doesn't specify", "not specified in", "does not say", "doesn't say",
        "does not provide", "doesn't provide", "do not provide", "don't provide", "not provided in",
        "context does not contain", "context doesn't contain", "documents do not contain", "document does not contain",
        "text does not contain", "sources do not contain",
    ];

    private static readonly string[] Variants =
        [.. Phrases, .. Phrases.Where(p => p.Contains('\'')).Select(p => p.Replace('\'', '\u2019'))];

    private static readonly SearchValues<string> Search = SearchValues.Create(Variants, StringComparison.OrdinalIgnoreCase);

    public static bool IsNoncommittal(ReadOnlySpan<char> text)
    {
        var offset = 0;
        while (true)
        {
            var found = text[offset..].IndexOfAny(Search);
            if (found < 0) return false;
            var at = offset + found;
            if (at == 0 || !char.IsLetterOrDigit(text[at - 1]))
            {
                // Which phrase matched, to see that it ends a word too ("i don't know", not "i don't knowingly").
                foreach (var phrase in Variants)
                {
                    var end = at + phrase.Length;
                    if (text[at..].StartsWith(phrase, StringComparison.OrdinalIgnoreCase)
                        && (end == text.Length || !char.IsLetterOrDigit(text[end])))
                        return true;
                }
            }
            offset = at + 1;
        }
    }
}
