namespace LlmOps.Evaluator.Features.Checks;

/// <summary>The scripts the language detector tells apart, by Unicode block.</summary>
internal enum WritingScript
{
    None,
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Devanagari,
    Thai,
    Hangul,
    Kana,
    Han,
}

internal static class WritingScripts
{
    public const int Count = (int)WritingScript.Han + 1;

    public static WritingScript Of(char c) => c switch
    {
        <= '\u007F' => char.IsAsciiLetter(c) ? WritingScript.Latin : WritingScript.None,
        >= '\u00C0' and <= '\u024F' when c is not ('\u00D7' or '\u00F7') => WritingScript.Latin,
        >= '\u1E00' and <= '\u1EFF' => WritingScript.Latin,
        >= '\u0370' and <= '\u03FF' or >= '\u1F00' and <= '\u1FFF' => WritingScript.Greek,
        >= '\u0400' and <= '\u052F' => WritingScript.Cyrillic,
        >= '\u0590' and <= '\u05FF' => WritingScript.Hebrew,
        >= '\u0600' and <= '\u06FF' or >= '\u0750' and <= '\u077F' or >= '\u08A0' and <= '\u08FF'
            or >= '\uFB50' and <= '\uFDFF' or >= '\uFE70' and <= '\uFEFF' => WritingScript.Arabic,
        >= '\u0900' and <= '\u097F' => WritingScript.Devanagari,
        >= '\u0E00' and <= '\u0E7F' => WritingScript.Thai,
        >= '\uAC00' and <= '\uD7AF' or >= '\u1100' and <= '\u11FF' or >= '\u3130' and <= '\u318F' => WritingScript.Hangul,
        >= '\u3040' and <= '\u30FF' or >= '\u31F0' and <= '\u31FF' or >= '\uFF66' and <= '\uFF9D' => WritingScript.Kana,
        >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF' or >= '\uF900' and <= '\uFAFF' => WritingScript.Han,
        _ => WritingScript.None,
    };

    /// <summary>Scripts written without spaces, where a character rather than a word is the unit of evidence.</summary>
    public static bool IsUnspaced(WritingScript script) => script is WritingScript.Han or WritingScript.Kana or WritingScript.Thai;
}
