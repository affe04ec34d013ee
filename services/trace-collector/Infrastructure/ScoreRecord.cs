namespace LlmOps.TraceCollector.Infrastructure;

/// <summary>A score on a trace, an observation or a session (from an evaluator, a person or the API).</summary>
public sealed class ScoreRecord
{
    public required string ProjectId { get; set; }

    /// <summary>The score's id: the same id again updates it.</summary>
    public required string Id { get; set; }

    public string? TraceId { get; set; }
    public string? ObservationId { get; set; }
    public string? SessionId { get; set; }
    public required string Name { get; set; }

    /// <summary><c>numeric</c>, <c>categorical</c> or <c>boolean</c>.</summary>
    public required string DataType { get; set; }

    public double? Value { get; set; }
    public string? Label { get; set; }
    public string? Comment { get; set; }

    /// <summary><c>api</c>, <c>eval</c> or <c>human</c>.</summary>
    public required string Source { get; set; }

    /// <summary><c>ok</c>, <c>not_applicable</c> or <c>error</c>.</summary>
    public string Status { get; set; } = "ok";

    public string? EvaluatorName { get; set; }
    public string? JudgeModel { get; set; }
    public DateTime Timestamp { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>The rollup minute this score is counted in (null: not counted), with the name and value it was counted with.</summary>
    public DateTime? RollupMinute { get; set; }
    public string? RollupName { get; set; }
    public double? RollupValue { get; set; }
}
