namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// A project's window of scores as counts, which is all the decision table needs: the database groups the window
/// (<see cref="LoopWindow.SummaryAsync"/>), so a controller pass reads a few rows per prompt version and data source
/// however much traffic the window holds. Which traces failed is read only for a group the table acts on
/// (<see cref="FailingSet"/>). Every count takes each trace once per metric: its latest score.
/// </summary>
public sealed record WindowSummary(IReadOnlyList<CheckCount> Checks, IReadOnlyList<SourceCount> Sources, IReadOnlyList<GroundedCount> Grounded)
{
    public static readonly WindowSummary Empty = new([], [], []);

    public bool IsEmpty => Checks.Count == 0 && Sources.Count == 0 && Grounded.Count == 0;
}

/// <summary>An instruction check on one prompt version: traces scored, how many failed (value below 0.5), when it was last scored.</summary>
public sealed record CheckCount(string PromptName, int Version, string Metric, int N, int Failing, DateTime LastSeen);

/// <summary>
/// A retrieval metric (context relevance or recall) or faithfulness for one data source ("" when the trace named none):
/// traces scored, how many failed (below the relevance or faithfulness threshold), and how many found nothing relevant
/// (context relevance at or below the knowledge-gap cut).
/// </summary>
public sealed record SourceCount(string DataSource, string Metric, int N, int Failing, int GapCandidates);

/// <summary>
/// Faithfulness on one model ("" when unknown) and prompt version, counted only on traces whose context was relevant
/// (context relevance at or above its threshold): traces, unfaithful ones, when last scored.
/// </summary>
public sealed record GroundedCount(string Model, string PromptName, int Version, int N, int Failing, DateTime LastSeen);

/// <summary>A prompt version.</summary>
public readonly record struct PromptVersionKey(string Name, int Version);

/// <summary>
/// The traces a diagnosis counted as failing, described rather than listed: the controller reads them (newest first)
/// only once the table has decided to act. A score fails when its value is below <see cref="Below"/>.
/// </summary>
public sealed record FailingSet
{
    public required string Metric { get; init; }
    public required double Below { get; init; }

    /// <summary>Only these prompt versions; null for any.</summary>
    public IReadOnlyList<PromptVersionKey>? Versions { get; init; }

    /// <summary>Only this data source ("" for traces that named none); null for any.</summary>
    public string? DataSource { get; init; }

    /// <summary>Only this model ("" for traces that named none); null for any.</summary>
    public string? Model { get; init; }

    /// <summary>Only traces whose context relevance is at or above this (the fine-tune path's grounded answers); null for any.</summary>
    public double? RelevantAtLeast { get; init; }
}
