namespace LlmOps.Contracts.Evaluation;

/// <summary>
/// Many <see cref="ScoreRecorded"/> in one message, for producers that score in bulk (a feedback batch, an evaluator
/// pass). Consumers deduplicate on each score's id, exactly as for single scores, which they also still accept.
/// </summary>
public sealed record ScoreRecordedBatch
{
    public required IReadOnlyList<ScoreRecorded> Scores { get; init; }
}
