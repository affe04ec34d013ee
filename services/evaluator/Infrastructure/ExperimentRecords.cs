namespace LlmOps.Evaluator.Infrastructure;

/// <summary>
/// One experiment: a prompt version (or none) × a model over a dataset, scored by the listed evaluators, with the gate a
/// CI pipeline asks about. A worker claims a pending row by updating its status and lease, so one replica runs it and a
/// restarted or crashed one is taken over when its lease lapses.
/// </summary>
public sealed class ExperimentRecord
{
    public Guid Id { get; set; }
    public required string ProjectId { get; set; }
    public Guid DatasetId { get; set; }
    public string? Name { get; set; }

    /// <summary><c>name</c>, <c>name@label</c> or <c>name#version</c>; null = the item input goes to the model as it is.</summary>
    public string? Prompt { get; set; }

    public required string Model { get; set; }

    /// <summary>JSON array of <c>{name, kind, settings}</c>.</summary>
    public required string Evaluators { get; set; }

    /// <summary>JSON object: the gate's conditions as given.</summary>
    public required string Gate { get; set; }

    public Guid? BaselineExperimentId { get; set; }

    /// <summary><c>pending</c>, <c>running</c>, <c>completed</c> or <c>failed</c>.</summary>
    public required string Status { get; set; }

    public int ItemCount { get; set; }
    public int CompletedItems { get; set; }
    public int ErrorCount { get; set; }

    /// <summary>JSON: per-metric means and pass rates, latency and tokens; set when the run completes.</summary>
    public string? Aggregates { get; set; }

    /// <summary>Why the experiment failed (not an item's error: those are in its result).</summary>
    public string? Error { get; set; }

    public string? ClaimedBy { get; set; }
    public DateTime? LeaseUntil { get; set; }

    /// <summary>Claims so far: a run that keeps crashing its worker stops after a few instead of looping forever.</summary>
    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
}

/// <summary>One item's outcome in an experiment: the answer, its cost in time and tokens, or the gateway's error; its scores.</summary>
public sealed class ExperimentResultRecord
{
    public Guid ExperimentId { get; set; }
    public Guid ItemId { get; set; }
    public string? Output { get; set; }
    public double LatencyMs { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }

    /// <summary>Set when the gateway call failed: the item then has no scores.</summary>
    public string? Error { get; set; }

    /// <summary>JSON object: metric name → <c>{status, value, label, explanation}</c>.</summary>
    public string? Scores { get; set; }

    public string? TraceId { get; set; }
    public DateTime CreatedAt { get; set; }
}
