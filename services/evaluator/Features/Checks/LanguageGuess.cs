namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// The language of a text as an ISO 639-1 code, or null when the text is too short or too mixed to say;
/// <paramref name="Confidence"/> is in [0, 1] and grows with the margin over the runner-up.
/// </summary>
public readonly record struct LanguageGuess(string? Language, double Confidence)
{
    public static LanguageGuess Undecided => new(null, 0);
}
