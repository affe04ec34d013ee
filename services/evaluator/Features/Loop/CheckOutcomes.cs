using LlmOps.Contracts.Evaluation;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// The instruction checks' outcomes for one trace as two bit masks (which checks gave a value, which of them failed),
/// stored on the trace's <c>evaluated_traces</c> row instead of one <c>loop_scores</c> row per check: every check scores
/// 0 or 1, so the mask is the whole of what the loop, drift and fine-tune readers take from those rows, and writing it
/// costs nothing beyond the trace row the evaluation writes anyway (docs/evaluation.md, "The loop's window").
/// </summary>
public readonly record struct CheckOutcomes(int Run, int Failed)
{
    /// <summary>Bit i stands for <c>Metrics[i]</c>. Stored in the database: append only, never reorder.</summary>
    public static readonly IReadOnlyList<string> Metrics =
    [
        ScoreNames.JsonValid, ScoreNames.JsonSchema, ScoreNames.RequiredEntities, ScoreNames.Regex, ScoreNames.Length,
        ScoreNames.Refusal, ScoreNames.PiiLeak, ScoreNames.Language,
    ];

    private static readonly Dictionary<string, int> Bits = Metrics.Select((name, bit) => (name, bit)).ToDictionary(p => p.name, p => p.bit, StringComparer.Ordinal);

    /// <summary>The value a check scores below which it failed (checks score 0 or 1; the decision table's own cut).</summary>
    private const double FailingBelow = 0.5;

    public bool IsEmpty => Run == 0;

    /// <summary>The mask bit that stands for a check, or null for a metric the masks do not hold.</summary>
    public static int? BitOf(string metric) => Bits.TryGetValue(metric, out var bit) ? 1 << bit : null;

    /// <summary>
    /// Whether a score is one the masks hold: a defined outcome of an instruction check, for a trace (what
    /// <see cref="LoopScores"/> would otherwise have kept as a row).
    /// </summary>
    public static bool Holds(ScoreRecorded score) =>
        Bits.ContainsKey(score.Name) && score.Status == ScoreStatuses.Ok && score.Value is { } value && double.IsFinite(value) && score.TraceId is not null;

    /// <summary>
    /// One trace's check scores folded into masks. Two evaluators of the same kind on one trace make one outcome that
    /// fails if either failed (the fine-tune reader took the lowest value; the loop controller took one of the two).
    /// </summary>
    public static CheckOutcomes Fold(IEnumerable<ScoreRecorded> scores)
    {
        int run = 0, failed = 0;
        foreach (var score in scores)
        {
            if (!Holds(score))
                continue;
            var bit = 1 << Bits[score.Name];
            run |= bit;
            if (score.Value < FailingBelow)
                failed |= bit;
        }
        return new CheckOutcomes(run, failed);
    }

    /// <summary>The masks back as (metric, value) pairs: 1 for a pass, 0 for a failure, as the checks scored them.</summary>
    public IEnumerable<(string Name, double Value)> Expand()
    {
        for (var bit = 0; bit < Metrics.Count; bit++)
            if ((Run & (1 << bit)) != 0)
                yield return (Metrics[bit], (Failed & (1 << bit)) != 0 ? 0.0 : 1.0);
    }
}
