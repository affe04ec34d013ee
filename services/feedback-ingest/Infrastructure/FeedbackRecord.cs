namespace LlmOps.FeedbackIngest.Infrastructure;

/// <summary>One piece of human feedback, kept so it can be listed, deduplicated and republished until the broker confirms it.</summary>
public sealed class FeedbackRecord
{
    public required string ProjectId { get; set; }
    public Guid Id { get; set; }
    public required string TraceId { get; set; }
    public string? ObservationId { get; set; }
    public required string Kind { get; set; }
    public double? Value { get; set; }
    public string? Label { get; set; }
    public string? Comment { get; set; }
    public string? Correction { get; set; }
    public string? UserId { get; set; }
    public string? IdempotencyKey { get; set; }
    public DateTime ReceivedAt { get; set; }

    /// <summary>Whether FeedbackReceived and its score were confirmed by the broker.</summary>
    public bool Published { get; set; }
}
