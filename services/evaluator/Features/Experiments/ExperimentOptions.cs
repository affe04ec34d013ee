using System.ComponentModel.DataAnnotations;

namespace LlmOps.Evaluator.Features.Experiments;

/// <summary><c>Evaluator:Experiments</c>: how the background worker runs experiments (gateway concurrency is <c>Evaluator:Gateway:Concurrency</c>).</summary>
public sealed class ExperimentOptions
{
    public const string Section = "Evaluator:Experiments";

    public bool Enabled { get; set; } = true;

    /// <summary>How often a replica looks for pending experiments (one created on this replica starts at once).</summary>
    [Range(1, 3_600)]
    public int PollSeconds { get; set; } = 5;

    /// <summary>A running experiment whose replica has not reported for this long is taken over by another.</summary>
    [Range(5, 3_600)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Experiments one replica runs at once.</summary>
    [Range(1, 64)]
    public int MaxConcurrent { get; set; } = 2;

    /// <summary>Items an experiment runs at most (the dataset's first, in the order they were added).</summary>
    [Range(1, 1_000_000)]
    public int MaxItems { get; set; } = 10_000;

    /// <summary>Runs that end in an unexpected failure before the experiment is marked failed.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;
}
