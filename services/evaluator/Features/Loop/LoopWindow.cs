using LlmOps.Evaluator.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// The loop's window of scores as its readers want it, from the two places it is kept: <c>loop_scores</c> rows (RAG
/// metrics, judges' and people's scores, and instruction-check rows written before the check masks existed) and the
/// instruction checks' masks on <c>evaluated_traces</c> (<see cref="CheckOutcomes"/>). A check outcome from a mask reads
/// exactly like the row it replaces: same metric name, value 1 or 0, the trace's prompt, model and data source, and the
/// time the checks ran.
/// </summary>
public sealed class LoopWindow(EvaluatorDbContext db)
{
    /// <summary>A metric's scored and failing counts for one drift group and window half.</summary>
    public sealed record FailureCount(string ProjectId, string? PromptName, string? Model, bool Current, string Name, long N, long Failing);

    /// <summary>
    /// A project's scores since <paramref name="from"/>: the most recent <paramref name="max"/>, then the latest per trace
    /// and metric (a re-scored trace counts once).
    /// </summary>
    public async Task<List<ScorePoint>> PointsAsync(string projectId, DateTime from, int max, CancellationToken cancellationToken)
    {
        var rows = await db.LoopScores.AsNoTracking()
            .Where(s => s.ProjectId == projectId && s.RecordedAt >= from)
            .OrderByDescending(s => s.RecordedAt)
            .Take(max)
            .Select(s => new { s.TraceId, s.Name, s.Value, s.PromptName, s.PromptVersion, s.Model, s.DataSourceId, s.RecordedAt })
            .ToListAsync(cancellationToken);
        // A trace holds at least one check, so `max` traces always cover the newest `max` points.
        var checkedTraces = await db.EvaluatedTraces.AsNoTracking()
            .Where(t => t.ProjectId == projectId && t.CheckedAt >= from && t.ChecksRun != 0)
            .OrderByDescending(t => t.CheckedAt)
            .Take(max)
            .Select(t => new { t.TraceId, t.ChecksRun, t.ChecksFailed, t.PromptName, t.PromptVersion, t.Model, t.DataSourceId, t.CheckedAt })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new ScorePoint(r.TraceId!, r.Name, r.Value!.Value, r.PromptName, r.PromptVersion, r.Model, r.DataSourceId, Utc(r.RecordedAt)))
            .Concat(checkedTraces.SelectMany(t => new CheckOutcomes(t.ChecksRun, t.ChecksFailed).Expand()
                .Select(c => new ScorePoint(t.TraceId, c.Name, c.Value, t.PromptName, t.PromptVersion, t.Model, t.DataSourceId, Utc(t.CheckedAt!.Value)))))
            .OrderByDescending(p => p.RecordedAt)
            .Take(max)
            .DistinctBy(p => (p.TraceId, p.Name))
            .ToList();
    }

    /// <summary>
    /// Per project, prompt name, model, window half (<paramref name="currentFrom"/> on) and metric: how many scores fell in
    /// [<paramref name="from"/>, <paramref name="to"/>) and how many of them were below <paramref name="failingBelow"/>;
    /// counted in the database (the masks grouped by their value, so a few rows per group come back).
    /// </summary>
    public async Task<List<FailureCount>> FailureCountsAsync(DateTime from, DateTime currentFrom, DateTime to, double failingBelow,
        CancellationToken cancellationToken)
    {
        var rows = await db.LoopScores.AsNoTracking()
            .Where(s => s.RecordedAt >= from && s.RecordedAt < to && s.Value != null)
            .GroupBy(s => new { s.ProjectId, s.PromptName, s.Model, Current = s.RecordedAt >= currentFrom, s.Name })
            .Select(g => new { g.Key.ProjectId, g.Key.PromptName, g.Key.Model, g.Key.Current, g.Key.Name, N = g.Count(), Failing = g.Sum(s => s.Value < failingBelow ? 1 : 0) })
            .ToListAsync(cancellationToken);
        var masks = await db.EvaluatedTraces.AsNoTracking()
            .Where(t => t.CheckedAt >= from && t.CheckedAt < to && t.ChecksRun != 0)
            .GroupBy(t => new { t.ProjectId, t.PromptName, t.Model, Current = t.CheckedAt >= currentFrom, t.ChecksRun, t.ChecksFailed })
            .Select(g => new { g.Key.ProjectId, g.Key.PromptName, g.Key.Model, g.Key.Current, g.Key.ChecksRun, g.Key.ChecksFailed, N = g.Count() })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new FailureCount(r.ProjectId, r.PromptName, r.Model, r.Current, r.Name, r.N, r.Failing))
            .Concat(masks.SelectMany(m => new CheckOutcomes(m.ChecksRun, m.ChecksFailed).Expand()
                .Select(c => new FailureCount(m.ProjectId, m.PromptName, m.Model, m.Current, c.Name, m.N, c.Value < failingBelow ? m.N : 0))))
            .ToList();
    }

    /// <summary>
    /// A model's top-scored traces since <paramref name="from"/>, most recently scored first: faithful at or above
    /// <paramref name="topScore"/>, and no score of the trace below one half (no failed check either).
    /// </summary>
    public Task<List<string>> TopScoredTraceIdsAsync(string projectId, string? model, DateTime from, double topScore, int max,
        CancellationToken cancellationToken) =>
        db.LoopScores.AsNoTracking()
            .Where(s => s.ProjectId == projectId && s.Model == model && s.RecordedAt >= from && s.TraceId != null)
            .GroupBy(s => s.TraceId!)
            .Where(g => g.Any(s => s.Name == ScoreNames.Faithfulness && s.Value >= topScore) && g.Min(s => s.Value) >= 0.5)
            .Select(g => new { TraceId = g.Key, Last = g.Max(s => s.RecordedAt) })
            .Where(g => !db.EvaluatedTraces.Any(t => t.ProjectId == projectId && t.TraceId == g.TraceId && t.Model == model && t.CheckedAt >= from
                                                      && t.ChecksFailed != 0))
            .OrderByDescending(g => g.Last)
            .Select(g => g.TraceId)
            .Take(max)
            .ToListAsync(cancellationToken);

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
