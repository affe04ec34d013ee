namespace LlmOps.Contracts.Actions;

/// <summary>Why the loop controller asked for an action: the numbers a person can check.</summary>
public sealed record ActionEvidence
{
    /// <summary>Score name the decision rests on, e.g. <c>json_valid</c> or <c>context_relevance</c>.</summary>
    public required string Metric { get; init; }

    public int SampleSize { get; init; }
    public int FailureCount { get; init; }
    public double Rate { get; init; }

    /// <summary>Confidence interval of <see cref="Rate"/> (Wilson), and the method used.</summary>
    public double IntervalLow { get; init; }
    public double IntervalHigh { get; init; }
    public string? Method { get; init; }

    /// <summary>The comparison group (e.g. the earlier prompt version), when there is one.</summary>
    public int? BaselineSampleSize { get; init; }
    public double? BaselineRate { get; init; }

    public DateTimeOffset WindowFrom { get; init; }
    public DateTimeOffset WindowTo { get; init; }
    public IReadOnlyList<string> ExampleTraceIds { get; init; } = [];
}
