namespace LlmOps.Contracts.Feedback;

/// <summary>Human feedback on a trace (or one observation of it).</summary>
public sealed record FeedbackReceived
{
    /// <summary>Derived from the caller's idempotency key when one was given.</summary>
    public required Guid FeedbackId { get; init; }

    public required string ProjectId { get; init; }
    public required string TraceId { get; init; }
    public string? ObservationId { get; init; }

    /// <summary>One of <see cref="FeedbackKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>Thumbs: 1 up, 0 down; rating: 1 to 5.</summary>
    public double? Value { get; init; }

    public string? Label { get; init; }
    public string? Comment { get; init; }

    /// <summary>The answer the user wanted: the raw material of fine-tuning datasets.</summary>
    public string? Correction { get; init; }

    public string? UserId { get; init; }
    public string? IdempotencyKey { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
}

public static class FeedbackKinds
{
    public const string Thumbs = "thumbs";
    public const string Rating = "rating";
    public const string Label = "label";
    public const string Comment = "comment";
    public const string Correction = "correction";
}
