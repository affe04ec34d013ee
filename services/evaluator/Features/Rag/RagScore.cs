namespace LlmOps.Evaluator.Features.Rag;

/// <summary>
/// One RAG metric's result. <paramref name="Value"/> is in [0, 1], or null when the metric is not applicable
/// (no documents, no claims, ...): never NaN, and never a 0 that would read as a failure. <paramref name="Explanation"/>
/// says how the number came about or why there is none; <paramref name="Supported"/> of <paramref name="Total"/> are the
/// counts behind it (claims, terms or documents, as each metric documents).
/// </summary>
public readonly record struct RagScore(double? Value, string Explanation, int Supported = 0, int Total = 0)
{
    internal static RagScore NotApplicable(string why) => new(null, "not applicable: " + why);
}
