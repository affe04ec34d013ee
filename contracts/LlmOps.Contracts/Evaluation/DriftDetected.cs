namespace LlmOps.Contracts.Evaluation;

/// <summary>A distribution moved away from its baseline: queries, behaviour, or the model a provider serves.</summary>
public sealed record DriftDetected
{
    public required Guid DriftId { get; init; }
    public required string ProjectId { get; init; }

    /// <summary><c>query</c>, <c>behaviour</c> or <c>served_model</c>.</summary>
    public required string Kind { get; init; }

    public string? PromptName { get; init; }
    public int? PromptVersion { get; init; }
    public string? Model { get; init; }

    /// <summary>The statistic used, e.g. <c>psi</c>, <c>centroid_cosine_shift</c>, <c>refusal_rate</c>.</summary>
    public required string Statistic { get; init; }

    public double Value { get; init; }
    public double Threshold { get; init; }
    public DateTimeOffset BaselineFrom { get; init; }
    public DateTimeOffset BaselineTo { get; init; }
    public DateTimeOffset CurrentFrom { get; init; }
    public DateTimeOffset CurrentTo { get; init; }
    public string? Detail { get; init; }
    public required DateTimeOffset DetectedAt { get; init; }
}
