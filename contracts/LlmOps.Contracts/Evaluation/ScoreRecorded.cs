namespace LlmOps.Contracts.Evaluation;

/// <summary>A score attached to a trace, an observation or a session, from an evaluator, a person or the API.</summary>
public sealed record ScoreRecorded
{
    /// <summary>Deterministic for evaluator scores (trace, evaluator, revision), so a re-run upserts.</summary>
    public required Guid ScoreId { get; init; }

    public required string ProjectId { get; init; }
    public string? TraceId { get; init; }
    public string? ObservationId { get; init; }
    public string? SessionId { get; init; }

    /// <summary>Metric name, e.g. <c>hallucination</c>, <c>faithfulness</c>, <c>json_valid</c>, <c>user_feedback</c>.</summary>
    public required string Name { get; init; }

    /// <summary>One of <see cref="ScoreDataTypes"/>.</summary>
    public required string DataType { get; init; }

    public double? Value { get; init; }
    public string? Label { get; init; }
    public string? Explanation { get; init; }

    /// <summary>One of <see cref="ScoreSources"/>.</summary>
    public required string Source { get; init; }

    /// <summary>One of <see cref="ScoreStatuses"/>: a judge failure or an undefined metric is not a value.</summary>
    public string Status { get; init; } = ScoreStatuses.Ok;

    public string? EvaluatorName { get; init; }
    public string? EvaluatorVersion { get; init; }
    public string? RubricVersion { get; init; }
    public string? JudgeModel { get; init; }

    // Dimensions the loop controller aggregates by, copied from the trace so nobody queries back.
    public string? PromptName { get; init; }
    public int? PromptVersion { get; init; }
    public string? Model { get; init; }
    public string? DataSourceId { get; init; }
    public string? Feature { get; init; }

    public required DateTimeOffset RecordedAt { get; init; }
}

public static class ScoreDataTypes
{
    public const string Numeric = "numeric";
    public const string Categorical = "categorical";
    public const string Boolean = "boolean";
}

public static class ScoreSources
{
    public const string Api = "api";
    public const string Eval = "eval";
    public const string Human = "human";
}

public static class ScoreStatuses
{
    public const string Ok = "ok";
    public const string NotApplicable = "not_applicable";
    public const string Error = "error";
}
