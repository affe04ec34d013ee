using System.Globalization;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// Guesses the language of a model's answer, for the "language" check (is the answer in the language the user wrote
/// in?). No model and no n-gram tables: assistant answers are usually a few sentences, where function words are
/// frequent enough to decide, and the code stays small and fast.
/// </summary>
/// <remarks>
/// Method:
/// <list type="number">
/// <item>Code (fenced and inline), URLs and e-mail addresses are skipped; digits and punctuation only separate words.</item>
/// <item>Letters are counted by script and the script with most letters wins: Han without kana → zh, kana (at least a
/// tenth of the Han and kana letters) → ja, Hangul → ko, Cyrillic → ru, or uk when a letter only Ukrainian uses
/// (і ї є ґ) appears, Arabic → ar, Hebrew → he, Greek → el, Devanagari → hi, Thai → th. The confidence is the winning
/// script's share of all letters.</item>
/// <item>Latin script is split among en, es, fr, de, it, pt, nl, sv, pl and tr by scoring each word found in a
/// language's list of its most frequent function words (a word in several lists is shared among them), plus 0.5 per
/// letter only some of the languages use (ñ ¿ ¡ → es, ß → de, ã õ → pt, å → sv, ł ą ę… → pl, ğ ı ş → tr, and
/// shared ones such as ä ö ü ç à split the same way). The best score wins; the confidence is
/// (best − runner-up) / (best + 1), so that it grows with the margin and with the amount of evidence.</item>
/// </list>
/// Undecided (null language) when there are fewer than three words (four characters in Chinese, Japanese and Thai),
/// when no Latin word or letter points anywhere, or on a tie. Danish and Norwegian, lacking profiles, come out as
/// Swedish or undecided; other Latin-script languages come out as the closest profiled one, or undecided.
/// </remarks>
public static class LanguageDetector
{
    private const int MinimumWords = 3;
    private const int MinimumUnspacedCharacters = 4;
    private const double LetterWeight = 0.5;
    private const int LongestStopWord = 16;

    public static LanguageGuess Detect(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return LanguageGuess.Undecided;

        Span<int> letters = stackalloc int[WritingScripts.Count];
        Span<int> words = stackalloc int[WritingScripts.Count];
        Span<double> scores = stackalloc double[LatinProfiles.Languages.Length];
        Span<char> word = stackalloc char[LongestStopWord];
        var state = new Scan(letters, words, scores, word);

        var position = 0;
        foreach (var skipped in IgnoredText.Spans().EnumerateMatches(text))
        {
            state.Read(text.AsSpan(position, skipped.Index - position));
            position = skipped.Index + skipped.Length;
        }
        state.Read(text.AsSpan(position));

        return Decide(letters, words, scores, state.UkrainianLetters);
    }

    private static LanguageGuess Decide(ReadOnlySpan<int> letters, ReadOnlySpan<int> words, ReadOnlySpan<double> scores, int ukrainianLetters)
    {
        var total = 0;
        foreach (var count in letters)
            total += count;
        // Japanese mixes kana with Han; one script is counted for the two.
        var cjk = letters[(int)WritingScript.Han] + letters[(int)WritingScript.Kana];
        var dominant = WritingScript.None;
        var most = 0;
        for (var script = WritingScript.Latin; script <= WritingScript.Hangul; script++)
            if (letters[(int)script] > most)
                (dominant, most) = (script, letters[(int)script]);
        if (cjk > most)
            (dominant, most) = (WritingScript.Han, cjk);
        if (dominant == WritingScript.None)
            return LanguageGuess.Undecided;

        var enough = dominant is WritingScript.Han or WritingScript.Thai
            ? most >= MinimumUnspacedCharacters
            : words[(int)dominant] >= MinimumWords || (dominant == WritingScript.Hangul && most >= MinimumUnspacedCharacters);
        if (!enough)
            return LanguageGuess.Undecided;

        var share = (double)most / total;
        return dominant switch
        {
            WritingScript.Latin => DecideLatin(scores),
            WritingScript.Han => new(letters[(int)WritingScript.Kana] * 10 >= cjk ? "ja" : "zh", share),
            WritingScript.Hangul => new("ko", share),
            WritingScript.Cyrillic => new(ukrainianLetters > 0 ? "uk" : "ru", share),
            WritingScript.Arabic => new("ar", share),
            WritingScript.Hebrew => new("he", share),
            WritingScript.Greek => new("el", share),
            WritingScript.Devanagari => new("hi", share),
            WritingScript.Thai => new("th", share),
            _ => LanguageGuess.Undecided,
        };
    }

    private static LanguageGuess DecideLatin(ReadOnlySpan<double> scores)
    {
        var (best, second, winner) = (0.0, 0.0, -1);
        for (var language = 0; language < scores.Length; language++)
        {
            if (scores[language] > best)
                (second, best, winner) = (best, scores[language], language);
            else if (scores[language] > second)
                second = scores[language];
        }
        if (winner < 0 || best - second < 1e-9)
            return LanguageGuess.Undecided;
        return new(LatinProfiles.Languages[winner], Math.Round((best - second) / (best + 1), 3));
    }

    /// <summary>The counters of one pass over the prose, on the stack.</summary>
    private ref struct Scan(Span<int> letters, Span<int> words, Span<double> scores, Span<char> word)
    {
        private readonly Span<int> _letters = letters;
        private readonly Span<int> _words = words;
        private readonly Span<double> _scores = scores;
        private readonly Span<char> _word = word;
        private int _wordLength;
        private WritingScript _wordScript;

        public int UkrainianLetters { get; private set; }

        public void Read(ReadOnlySpan<char> prose)
        {
            foreach (var c in prose)
            {
                var script = WritingScripts.Of(c);
                if (c is '¿' or '¡')
                    AddLetterEvidence(c);
                if (script == WritingScript.None || !(char.IsLetter(c) || IsMark(c)))
                {
                    EndWord();
                    continue;
                }
                if (script != _wordScript)
                    EndWord();
                _letters[(int)script]++;
                if (_wordLength == 0)
                    _words[(int)script]++;
                _wordScript = script;
                if (script == WritingScript.Latin)
                {
                    var lower = char.ToLowerInvariant(c);
                    if (lower > '\u007F')
                        AddLetterEvidence(c == '\u0130' ? 'ı' : lower); // Turkish dotted capital İ
                    if (_wordLength < _word.Length)
                        _word[_wordLength] = lower;
                    _wordLength++;
                }
                else
                {
                    if (script == WritingScript.Cyrillic && c is 'і' or 'ї' or 'є' or 'ґ' or 'І' or 'Ї' or 'Є' or 'Ґ')
                        UkrainianLetters++;
                    _wordLength++;
                }
            }
            EndWord();
        }

        private void EndWord()
        {
            if (_wordScript == WritingScript.Latin && _wordLength is > 0 and <= LongestStopWord
                && LatinProfiles.WordsBySpan.TryGetValue(_word[.._wordLength], out var languages))
                Add(languages, 1);
            _wordLength = 0;
            _wordScript = WritingScript.None;
        }

        private void AddLetterEvidence(char lower)
        {
            var languages = LatinProfiles.LettersOf(lower);
            if (languages != 0)
                Add(languages, LetterWeight);
        }

        private void Add(int languages, double weight)
        {
            var share = weight / int.PopCount(languages);
            for (var language = 0; language < _scores.Length; language++)
                if ((languages & (1 << language)) != 0)
                    _scores[language] += share;
        }

        private static bool IsMark(char c) =>
            CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
    }
}
