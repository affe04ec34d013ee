using System.Text.RegularExpressions;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// The parts of an answer that are not prose: fenced and inline code, URLs, e-mail addresses. Their words belong to
/// no language (or to the wrong one: code is English-ish whatever the answer's language), so the detectors skip them.
/// </summary>
internal static partial class IgnoredText
{
    /// <summary>An unclosed fence runs to the end, as Markdown renders it.</summary>
    [GeneratedRegex(@"```[\s\S]*?(?:```|\z)|~~~[\s\S]*?(?:~~~|\z)|`[^`\r\n]+`|\b(?:https?|ftp)://\S+|\bwww\.\S+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", RegexOptions.CultureInvariant)]
    public static partial Regex Spans();
}
