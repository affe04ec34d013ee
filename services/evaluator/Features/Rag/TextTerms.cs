using System.Buffers;
using System.Globalization;
using System.Text;

namespace LlmOps.Evaluator.Features.Rag;

/// <summary>What kind of content term a token is: names and numbers carry more weight than plain words.</summary>
[Flags]
internal enum TermKind : byte
{
    Word = 0,
    /// <summary>Capitalised inside a sentence, or all capitals (Paris, NASA): most likely a named entity.</summary>
    Name = 1,
    /// <summary>Contains a digit (1889, 3.5, gpt4), or a number word (three → 3); must match exactly.</summary>
    Number = 2,
}

/// <summary>Receives the terms of a scan; a struct so that the scan is specialised for each sink.</summary>
internal interface ITermSink
{
    void Add(ReadOnlySpan<char> term, TermKind kind);
}

/// <summary>
/// The tokenizer every lexical RAG metric shares, so that "the same term" means the same thing in all of them.
/// A term is a run of Unicode letters and digits, lower-cased (invariant); apostrophes inside a word are dropped after a
/// possessive 's is removed (Paris's → paris, don't → dont); decimal points and thousands separators inside a number are
/// kept as part of it and normalised (1,000 → 1000, 3.50 → 3.5). English stop-words and single ASCII letters are
/// dropped; number words zero and two to twelve become digits; ASCII words are stemmed lightly (plural -s/-es/-ies,
/// -ing, -ed, -ly, see <see cref="EnglishWords.Stem"/>); words in other scripts are kept as they are, except that CJK
/// ideographs and kana, written without spaces, are one term per character. Terms are at most 64 characters.
/// </summary>
public static class TextTerms
{
    private const int MaxTermLength = 64;

    /// <summary>The content terms of <paramref name="text"/>, in order, repeats included.</summary>
    public static IReadOnlyList<string> Terms(string text)
    {
        var terms = new List<string>();
        Scan(text, new ListSink(terms));
        return terms;
    }

    /// <summary>
    /// The claims of <paramref name="text"/>: its sentences (split at . ! ? ; and line breaks, list items and their
    /// markers handled, decimal points, initials and common abbreviations such as e.g. not split), trimmed and without
    /// the terminator; fragments without a content term ("Sure!", "Yes.") and Markdown headings are dropped.
    /// </summary>
    public static IReadOnlyList<string> Sentences(string text) =>
        Claims.Split(text).ConvertAll(c => c.Text);

    /// <summary>The distinct terms of <paramref name="text"/> with their kinds (a term seen as a name once is a name).</summary>
    internal static Dictionary<string, TermKind> Bag(ReadOnlySpan<char> text)
    {
        var bag = new Dictionary<string, TermKind>(StringComparer.Ordinal);
        Scan(text, new BagSink(bag.GetAlternateLookup<ReadOnlySpan<char>>()));
        return bag;
    }

    /// <summary>Adds the distinct terms of <paramref name="text"/> to <paramref name="set"/> (allocating only new ones).</summary>
    internal static void AddTo(HashSet<string> set, ReadOnlySpan<char> text) =>
        Scan(text, new SetSink(set.GetAlternateLookup<ReadOnlySpan<char>>()));

    internal static void Scan<TSink>(ReadOnlySpan<char> text, TSink sink) where TSink : struct, ITermSink
    {
        Span<char> token = stackalloc char[MaxTermLength + 2];
        var length = 0;
        var numeric = false;       // started with a digit, only digits and inner decimal points since
        var capitalised = false;   // first letter upper-case
        var allUpper = false;
        var atSentenceStart = true;
        var sentenceStart = true;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            Rune rune;
            var width = 1;
            if (char.IsAscii(c)) rune = new Rune(c);
            else if (Rune.DecodeFromUtf16(text[i..], out rune, out width) != OperationStatus.Done) { rune = Rune.ReplacementChar; width = 1; }

            if (IsIdeographic(rune.Value))
            {
                Flush(token[..length], numeric, capitalised, allUpper, atSentenceStart, sink);
                length = 0;
                sink.Add(text.Slice(i, width), TermKind.Word);
                sentenceStart = false;
                i += width;
                continue;
            }

            var isDigit = char.IsAsciiDigit(c) || (!char.IsAscii(c) && Rune.IsDigit(rune));
            if (isDigit || (char.IsAscii(c) ? char.IsAsciiLetter(c) : IsWordRune(rune, length)))
            {
                var upper = char.IsAscii(c) ? char.IsAsciiLetterUpper(c) : Rune.IsUpper(rune);
                if (length == 0)
                {
                    numeric = isDigit;
                    capitalised = upper;
                    allUpper = true;
                    atSentenceStart = sentenceStart;
                }
                numeric &= isDigit;
                allUpper &= upper || isDigit;
                if (length + 2 <= MaxTermLength)
                {
                    if (char.IsAscii(c)) token[length++] = char.ToLowerInvariant(c);
                    else length += Rune.ToLowerInvariant(rune).EncodeToUtf16(token[length..]);
                }
                i += width;
                continue;
            }

            if (length > 0 && i + 1 < text.Length && length < MaxTermLength)
            {
                var next = text[i + 1];
                if (numeric && char.IsAsciiDigit(next) && (c == '.' || (c == ',' && IsThousandsGroup(text[(i + 1)..]))))
                {
                    if (c == '.') token[length++] = '.';
                    i++;
                    continue;
                }
                if (!numeric && c is '\'' or '\u2019' && char.IsLetter(next))
                {
                    token[length++] = '\'';
                    i++;
                    continue;
                }
            }

            if (length > 0)
            {
                Flush(token[..length], numeric, capitalised, allUpper, atSentenceStart, sink);
                length = 0;
                sentenceStart = false;
            }
            if (c is '.' or '!' or '?' or ';' or ':' or '\n' or '\r') sentenceStart = true;
            i += width;
        }
        Flush(token[..length], numeric, capitalised, allUpper, atSentenceStart, sink);
    }

    private static void Flush<TSink>(Span<char> token, bool numeric, bool capitalised, bool allUpper, bool atSentenceStart, TSink sink)
        where TSink : struct, ITermSink
    {
        if (token.IsEmpty) return;
        if (numeric)
        {
            var point = token.IndexOf('.');
            if (point >= 0 && token.LastIndexOf('.') == point)
            {
                token = token.TrimEnd('0');
                if (token[^1] == '.') token = token[..^1];
            }
            sink.Add(token, TermKind.Number);
            return;
        }

        var n = token.Length;
        if (token.Contains('\''))
        {
            if (n > 2 && token[n - 1] == 's' && token[n - 2] == '\'') n -= 2;
            var kept = 0;
            for (var k = 0; k < n; k++)
                if (token[k] != '\'') token[kept++] = token[k];
            n = kept;
            if (n == 0) return;
        }

        var word = token[..n];
        if (word.ContainsAnyInRange('0', '9'))
        {
            sink.Add(word, TermKind.Number);
            return;
        }
        if (EnglishWords.TryNumber(word, out var digits))
        {
            sink.Add(digits, TermKind.Number);
            return;
        }
        if (EnglishWords.IsStopWord(word)) return;
        var ascii = Ascii.IsValid(word);
        if (ascii && n == 1) return;
        if (ascii) word = word[..EnglishWords.Stem(word, n)];
        var isName = (capitalised && !atSentenceStart) || (allUpper && n > 1);
        sink.Add(word, isName ? TermKind.Name : TermKind.Word);
    }

    // Combining marks continue a word (decomposed accents), they never start one.
    private static bool IsWordRune(Rune rune, int length) =>
        Rune.IsLetterOrDigit(rune)
        || (length > 0 && Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark);

    // Scripts written without spaces between words: one term per character.
    private static bool IsIdeographic(int cp) =>
        cp >= 0x3040 && (cp <= 0x30FF                        // hiragana, katakana
            || (cp >= 0x3400 && cp <= 0x4DBF)                 // CJK extension A
            || (cp >= 0x4E00 && cp <= 0x9FFF)                 // CJK unified ideographs
            || (cp >= 0xF900 && cp <= 0xFAFF)                 // CJK compatibility ideographs
            || (cp >= 0x20000 && cp <= 0x3134F));             // CJK extensions B-G

    // "1,000" and "12,345,678" but not "1,2" or "2019,2020".
    private static bool IsThousandsGroup(ReadOnlySpan<char> rest) =>
        rest.Length >= 3 && char.IsAsciiDigit(rest[0]) && char.IsAsciiDigit(rest[1]) && char.IsAsciiDigit(rest[2])
        && (rest.Length == 3 || !char.IsAsciiDigit(rest[3]));

    private readonly struct ListSink(List<string> terms) : ITermSink
    {
        public void Add(ReadOnlySpan<char> term, TermKind kind) => terms.Add(term.ToString());
    }

    private readonly struct SetSink(HashSet<string>.AlternateLookup<ReadOnlySpan<char>> set) : ITermSink
    {
        public void Add(ReadOnlySpan<char> term, TermKind kind) => set.Add(term);
    }

    private readonly struct BagSink(Dictionary<string, TermKind>.AlternateLookup<ReadOnlySpan<char>> bag) : ITermSink
    {
        public void Add(ReadOnlySpan<char> term, TermKind kind)
        {
            bag.TryGetValue(term, out var seen);
            bag[term] = seen | kind;
        }
    }
}
