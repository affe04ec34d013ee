namespace LlmOps.Contracts.Feedback;

/// <summary>
/// The feedback accepted by one <c>POST /api/feedback</c> batch, in one message. Consumers deduplicate on each
/// feedback's id, exactly as for single <see cref="FeedbackReceived"/> events, which they also still accept.
/// </summary>
public sealed record FeedbackReceivedBatch
{
    public required IReadOnlyList<FeedbackReceived> Feedbacks { get; init; }
}
