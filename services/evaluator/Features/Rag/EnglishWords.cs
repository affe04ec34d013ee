using System.Collections.Frozen;

namespace LlmOps.Evaluator.Features.Rag;

/// <summary>The English-specific parts of <see cref="TextTerms"/>: stop-words, number words and the suffix stemmer.</summary>
internal static class EnglishWords
{
    // Function words, question words, auxiliaries, contractions (apostrophes already removed) and conversational
    // filler: words that say nothing about what a text is about.
    private static readonly FrozenSet<string> StopWords = FrozenSet.Create(StringComparer.Ordinal,
    [
        "a", "about", "above", "across", "after", "again", "against", "all", "almost", "along", "already", "also",
        "although", "always", "am", "among", "an", "and", "another", "any", "anyone", "anything", "are", "around", "as",
        "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "cannot",
        "could", "did", "do", "does", "doing", "done", "down", "during", "each", "either", "else", "enough", "etc",
        "even", "ever", "every", "for", "from", "further", "had", "has", "have", "having", "he", "hence", "her", "here",
        "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is", "it", "itself",
        "just", "let", "may", "me", "might", "more", "most", "much", "must", "my", "myself", "neither", "no", "nor",
        "not", "now", "of", "off", "often", "on", "once", "one", "only", "or", "other", "others", "otherwise", "our",
        "ours", "ourselves", "out", "over", "own", "per", "perhaps", "quite", "rather", "really", "same", "shall",
        "she", "should", "since", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves",
        "then", "there", "therefore", "these", "they", "this", "those", "though", "through", "thus", "to", "too",
        "toward", "towards", "under", "until", "up", "upon", "us", "very", "via", "was", "we", "were", "what",
        "whatever", "when", "whenever", "where", "whereas", "whether", "which", "while", "who", "whom", "whose",
        "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours", "yourself", "yourselves",
        "many", "several", "lot", "lots", "thing", "things", "way",
        "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "cant", "couldnt", "wont", "wouldnt",
        "shouldnt", "hasnt", "havent", "hadnt", "mustnt", "im", "ive", "youre", "youve", "youd", "youll",
        "hes", "shes", "weve", "theyre", "theyve", "theyd", "theyll", "thats", "theres", "whats",
        "yes", "ok", "okay", "sure", "certainly", "hello", "hi", "thanks", "thank", "well",
    ]);

    // "one" is a stop-word ("the one that"), so numbers start at zero and two.
    private static readonly FrozenDictionary<string, string> NumberWords = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["zero"] = "0", ["two"] = "2", ["three"] = "3", ["four"] = "4", ["five"] = "5", ["six"] = "6",
        ["seven"] = "7", ["eight"] = "8", ["nine"] = "9", ["ten"] = "10", ["eleven"] = "11", ["twelve"] = "12",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> StopLookup =
        StopWords.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> NumberLookup =
        NumberWords.GetAlternateLookup<ReadOnlySpan<char>>();

    public static bool IsStopWord(ReadOnlySpan<char> word) => StopLookup.Contains(word);

    public static bool TryNumber(ReadOnlySpan<char> word, out string digits) =>
        NumberLookup.TryGetValue(word, out digits!);

    /// <summary>
    /// Light, deterministic suffix stripping of a lower-case ASCII word, in place; returns the new length. The aim is that
    /// the forms of one word meet (study/studies, box/boxes, run/running, stop/stopped, make/making/made... mostly), not
    /// that the stem is a word: plural (-ies → y, -ied → y, -es, -s), then one of -ing, -ed, -ly, then a doubled final
    /// consonant is undoubled (not l, s, z) and a final e is dropped, so that both forms end up at the same stem.
    /// </summary>
    public static int Stem(Span<char> w, int n)
    {
        if (n > 4 && w[..n].EndsWith("ies")) { n -= 2; w[n - 1] = 'y'; }
        else if (n > 4 && w[..n].EndsWith("ied")) { n -= 2; w[n - 1] = 'y'; }
        else if (n > 3 && w[..n].EndsWith("es"))
            n -= w[n - 3] is 's' or 'x' or 'z' || (w[n - 3] == 'h' && w[n - 4] is 'c' or 's') ? 2 : 1;
        else if (n > 3 && w[n - 1] == 's' && w[n - 2] is not ('s' or 'u' or 'i'))
            n -= 1;

        if (n > 4 && w[..n].EndsWith("ing") && HasVowel(w[..(n - 3)])) n -= 3;
        else if (n > 3 && w[..n].EndsWith("ed") && w[n - 3] != 'e' && HasVowel(w[..(n - 2)])) n -= 2;
        else if (n > 5 && w[..n].EndsWith("ly")) n -= 2;

        if (n >= 4 && w[n - 1] == w[n - 2] && !IsVowel(w[n - 1]) && w[n - 1] is not ('l' or 's' or 'z')) n -= 1;
        if (n >= 3 && w[n - 1] == 'e' && w[n - 2] != 'e') n -= 1;
        return n;
    }

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';

    private static bool HasVowel(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (IsVowel(c)) return true;
        return false;
    }
}
