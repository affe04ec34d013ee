namespace LlmOps.Evaluator.Infrastructure;

/// <summary>
/// What drift detection keeps of one finished trace: the group it belongs to (prompt, requested model), the model the
/// provider said it served, the answer's length and whether it refused, and a compact signature of the question. No
/// text: a day of these rows is small, and they are pruned once they fall out of the baseline window.
/// </summary>
public sealed class DriftObservationRecord
{
    public required string ProjectId { get; set; }
    public required string TraceId { get; set; }
    public string? PromptName { get; set; }
    public int? PromptVersion { get; set; }
    public string? Model { get; set; }
    public string? ResponseModel { get; set; }

    /// <summary>Characters of the answer; null when the trace has none (it failed), so it stays out of the behaviour statistics.</summary>
    public int? AnswerChars { get; set; }

    public bool Refused { get; set; }

    /// <summary>The question's MinHash bucket (0 to <see cref="Features.Drift.QuerySignature.Buckets"/> − 1); null without content terms.</summary>
    public int? QueryBucket { get; set; }

    /// <summary>A few of the question's content terms, to say what new queries are about when they drift.</summary>
    public string? QueryTerms { get; set; }

    public DateTime CompletedAt { get; set; }
}

/// <summary>A DriftDetected as published: listed by <c>/api/drift</c>, and the cooldown per kind, statistic and subject.</summary>
public sealed class DriftSignalRecord
{
    public Guid Id { get; set; }
    public required string ProjectId { get; set; }
    public required string Kind { get; set; }
    public required string Statistic { get; set; }

    /// <summary>The group, <c>{prompt name}|{model}</c>: the cooldown is per kind, statistic and subject.</summary>
    public required string Subject { get; set; }

    public string? PromptName { get; set; }
    public int? PromptVersion { get; set; }
    public string? Model { get; set; }
    public double Value { get; set; }
    public double Threshold { get; set; }
    public DateTime BaselineFrom { get; set; }
    public DateTime BaselineTo { get; set; }
    public DateTime CurrentFrom { get; set; }
    public DateTime CurrentTo { get; set; }
    public string? Detail { get; set; }
    public DateTime DetectedAt { get; set; }
    public DateTime CooldownUntil { get; set; }
}
