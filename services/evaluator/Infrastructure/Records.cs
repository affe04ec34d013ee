namespace LlmOps.Evaluator.Infrastructure;

/// <summary>
/// One configured evaluator of a project: which built-in method runs on which traffic (filters by prompt, model and
/// feature; null = all), at what sampling rate, and for judges with which deployment and rubric version.
/// </summary>
public sealed class EvaluatorRecord
{
    public Guid Id { get; set; }
    public required string ProjectId { get; set; }

    /// <summary>Unique per project; becomes the score's <c>EvaluatorName</c>.</summary>
    public required string Name { get; set; }

    /// <summary>One of <see cref="Features.Configuration.EvaluatorKinds"/>.</summary>
    public required string Kind { get; set; }

    /// <summary><c>lexical</c> (deterministic) or <c>judge</c> (LLM-as-judge through the gateway).</summary>
    public required string Method { get; set; }

    /// <summary>Kind-specific settings as JSON (a schema, a pattern, bounds, a language, ...).</summary>
    public string? Settings { get; set; }

    public string? PromptName { get; set; }
    public string? Model { get; set; }
    public string? Feature { get; set; }
    public double SamplingRate { get; set; } = 1.0;
    public string? JudgeDeployment { get; set; }
    public string? RubricVersion { get; set; }
    public bool Enabled { get; set; } = true;

    /// <summary>Bumped on every change, so a score says which configuration produced it.</summary>
    public int Version { get; set; } = 1;

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>What the loop needs to quote a trace later (failing examples, knowledge-gap queries, fine-tune pairs).</summary>
public sealed class EvaluatedTraceRecord
{
    public required string ProjectId { get; set; }
    public required string TraceId { get; set; }
    public int Revision { get; set; }
    public string? Question { get; set; }
    public string? Answer { get; set; }

    /// <summary>The retrieved documents joined (truncated), so a fine-tune example can carry its context.</summary>
    public string? Context { get; set; }

    public string? Reference { get; set; }
    public string? PromptName { get; set; }
    public int? PromptVersion { get; set; }
    public string? Model { get; set; }
    public string? DataSourceId { get; set; }
    public string? Feature { get; set; }
    public DateTime CompletedAt { get; set; }
    public DateTime EvaluatedAt { get; set; }

    /// <summary>Instruction checks that gave this trace a value, one bit each (<see cref="Features.Loop.CheckOutcomes"/>).</summary>
    public int ChecksRun { get; set; }

    /// <summary>Of those, the ones that failed.</summary>
    public int ChecksFailed { get; set; }

    /// <summary>When the checks last ran (their scores' time in the loop's window); null until they have.</summary>
    public DateTime? CheckedAt { get; set; }
}

/// <summary>Every score the loop controller aggregates (the evaluator's own and people's), keyed by score id.</summary>
public sealed class LoopScoreRecord
{
    public Guid ScoreId { get; set; }
    public required string ProjectId { get; set; }
    public string? TraceId { get; set; }
    public required string Name { get; set; }
    public double? Value { get; set; }
    public string? Label { get; set; }
    public required string Status { get; set; }
    public required string Source { get; set; }
    public string? PromptName { get; set; }
    public int? PromptVersion { get; set; }
    public string? Model { get; set; }
    public string? DataSourceId { get; set; }
    public DateTime RecordedAt { get; set; }
}

/// <summary>An action the loop controller proposed, with its evidence and the path-specific message it published.</summary>
public sealed class ActionRecord
{
    public Guid Id { get; set; }
    public required string ProjectId { get; set; }
    public required string Path { get; set; }
    public required string Kind { get; set; }

    /// <summary>What the action is about (e.g. <c>prompt:support-answer</c>): the cooldown is per kind and subject.</summary>
    public required string Subject { get; set; }

    public required string Summary { get; set; }
    public required string Evidence { get; set; }

    /// <summary>The path-specific message as published (JSON).</summary>
    public required string Details { get; set; }

    public required string Status { get; set; }
    public string? PromptName { get; set; }
    public int? PromptVersion { get; set; }
    public string? Model { get; set; }
    public string? DataSourceId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime CooldownUntil { get; set; }
    public DateTime UpdatedAt { get; set; }
    public string? UpdatedBy { get; set; }
    public string? Note { get; set; }
}

/// <summary>A person's correction of an answer: the first source of fine-tune examples.</summary>
public sealed class CorrectionRecord
{
    public Guid FeedbackId { get; set; }
    public required string ProjectId { get; set; }
    public required string TraceId { get; set; }
    public required string Correction { get; set; }
    public DateTime ReceivedAt { get; set; }
}

/// <summary>A dataset: golden items for experiments, or examples curated for fine-tuning.</summary>
public sealed class DatasetRecord
{
    public Guid Id { get; set; }
    public required string ProjectId { get; set; }
    public required string Name { get; set; }

    /// <summary><c>golden</c> or <c>fine_tune</c>.</summary>
    public required string Kind { get; set; }

    public string? Description { get; set; }
    public string? Model { get; set; }
    public int? TargetCount { get; set; }
    public DateTime? ReadyAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>One item: input, expected output and context; deduplicated by a hash of its content within a dataset.</summary>
public sealed class DatasetItemRecord
{
    public Guid Id { get; set; }
    public Guid DatasetId { get; set; }
    public required string ContentHash { get; set; }
    public required string Input { get; set; }
    public string? ExpectedOutput { get; set; }
    public string? Context { get; set; }
    public string? SourceTraceId { get; set; }

    /// <summary><c>api</c>, <c>correction</c> or <c>top_scored</c>.</summary>
    public required string Source { get; set; }

    public string? Metadata { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary><see cref="ItemFormats.Variables"/> or null (text).</summary>
    public string? InputFormat { get; set; }

    /// <summary><see cref="ItemFormats.Documents"/> or null (text).</summary>
    public string? ContextFormat { get; set; }
}

/// <summary>How a golden item's input and context are to be read (null columns: plain text, as curated items are).</summary>
public static class ItemFormats
{
    /// <summary>The input is a JSON object of prompt variables.</summary>
    public const string Variables = "variables";

    /// <summary>The context is a JSON array of documents, in rank order.</summary>
    public const string Documents = "documents";
}
