namespace LlmOps.Evaluator.Features.Checks;

/// <summary>Whether an answer declines the request; <paramref name="Phrase"/> is the wording that gave it away, for
/// the score's explanation.</summary>
public readonly record struct RefusalVerdict(bool IsRefusal, string? Phrase)
{
    public static RefusalVerdict Answered => new(false, null);
}
