using LlmOps.Evaluator.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// The loop's window of scores as its readers want it, from the two places it is kept: <c>loop_scores</c> rows (RAG
/// metrics, judges' and people's scores, and instruction-check rows written before the check masks existed; one per trace
/// and metric) and the instruction checks' masks on <c>evaluated_traces</c> (<see cref="CheckOutcomes"/>). A check outcome
/// from a mask counts exactly like the row it replaces: same metric name, value 1 or 0, the trace's prompt, model and data
/// source, and the time the checks ran. Readers get counts or trace ids, never the window's rows.
/// </summary>
public sealed class LoopWindow(EvaluatorDbContext db)
{
    /// <summary>A metric's scored and failing counts for one drift group and window half.</summary>
    public sealed record FailureCount(string ProjectId, string? PromptName, string? Model, bool Current, string Name, long N, long Failing);

    /// <summary>Where a pass's window starts for each store: the window's start, or later where the cap cut it.</summary>
    public readonly record struct Bounds(DateTime Rows, DateTime Masks);

    private static readonly string[] InstructionNames = [.. DecisionTable.InstructionMetrics];

    /// <summary>
    /// Where a project's window starts when at most <paramref name="max"/> of the newest rows (and of the newest checked
    /// traces) count: a very busy project's pass reads a bounded slice however long the window is.
    /// </summary>
    public async Task<Bounds> BoundsAsync(string projectId, DateTime from, int max, CancellationToken cancellationToken)
    {
        var rowsCut = await db.LoopScores.AsNoTracking()
            .Where(s => s.ProjectId == projectId && s.RecordedAt >= from)
            .OrderByDescending(s => s.RecordedAt).Skip(max - 1).Select(s => (DateTime?)s.RecordedAt)
            .FirstOrDefaultAsync(cancellationToken);
        var masksCut = await db.EvaluatedTraces.AsNoTracking()
            .Where(t => t.ProjectId == projectId && t.CheckedAt >= from && t.ChecksRun != 0)
            .OrderByDescending(t => t.CheckedAt).Skip(max - 1).Select(t => t.CheckedAt)
            .FirstOrDefaultAsync(cancellationToken);
        return new Bounds(Later(from, rowsCut), Later(from, masksCut));
    }

    /// <summary>
    /// A project's window as the decision table reads it, counted in the database: instruction checks per prompt version
    /// (masks grouped by their value, plus rows), retrieval and faithfulness per data source, and faithfulness on relevant
    /// context per model and prompt version. <c>loop_scores</c> holds one row per trace and metric (the latest), so a
    /// re-scored trace counts once.
    /// </summary>
    public async Task<WindowSummary> SummaryAsync(string projectId, Bounds bounds, LoopOptions options, CancellationToken cancellationToken)
    {
        var masks = await db.EvaluatedTraces.AsNoTracking()
            .Where(t => t.ProjectId == projectId && t.CheckedAt >= bounds.Masks && t.ChecksRun != 0 && t.PromptName != null && t.PromptVersion != null)
            .GroupBy(t => new { t.PromptName, t.PromptVersion, t.ChecksRun, t.ChecksFailed })
            .Select(g => new { g.Key.PromptName, g.Key.PromptVersion, g.Key.ChecksRun, g.Key.ChecksFailed, N = g.Count(), Last = g.Max(t => t.CheckedAt) })
            .ToListAsync(cancellationToken);
        var checkRows = await db.LoopScores.AsNoTracking()
            .Where(s => s.ProjectId == projectId && s.RecordedAt >= bounds.Rows && InstructionNames.Contains(s.Name) && s.PromptName != null
                        && s.PromptVersion != null)
            .GroupBy(s => new { s.PromptName, s.PromptVersion, s.Name })
            .Select(g => new { g.Key.PromptName, g.Key.PromptVersion, g.Key.Name, N = g.Count(), Failing = g.Sum(s => s.Value < 0.5 ? 1 : 0), Last = g.Max(s => s.RecordedAt) })
            .ToListAsync(cancellationToken);
        var checks = masks
            .SelectMany(m => new CheckOutcomes(m.ChecksRun, m.ChecksFailed).Expand()
                .Select(c => (m.PromptName, Version: m.PromptVersion!.Value, c.Name, m.N, Failing: c.Value < 0.5 ? m.N : 0, Last: m.Last!.Value)))
            .Concat(checkRows.Select(r => (r.PromptName, Version: r.PromptVersion!.Value, r.Name, r.N, r.Failing, r.Last)))
            .GroupBy(c => (c.PromptName!, c.Version, c.Name))
            .Select(g => new CheckCount(g.Key.Item1, g.Key.Version, g.Key.Name, g.Sum(c => c.N), g.Sum(c => c.Failing), Utc(g.Max(c => c.Last))))
            .ToList();

        var sourceRows = await db.LoopScores.AsNoTracking()
            .Where(s => s.ProjectId == projectId && s.RecordedAt >= bounds.Rows
                        && (s.Name == ScoreNames.ContextRelevance || s.Name == ScoreNames.ContextRecall || s.Name == ScoreNames.Faithfulness))
            .GroupBy(s => new { s.DataSourceId, s.Name })
            .Select(g => new
            {
                g.Key.DataSourceId, g.Key.Name, N = g.Count(),
                Failing = g.Sum(s => s.Value < (s.Name == ScoreNames.Faithfulness ? options.FaithfulnessThreshold : options.RelevanceThreshold) ? 1 : 0),
                Gaps = g.Sum(s => s.Name == ScoreNames.ContextRelevance && s.Value <= options.GapRelevance ? 1 : 0),
            })
            .ToListAsync(cancellationToken);
        var sources = sourceRows.GroupBy(r => (r.DataSourceId ?? "", r.Name))
            .Select(g => new SourceCount(g.Key.Item1, g.Key.Name, g.Sum(r => r.N), g.Sum(r => r.Failing), g.Sum(r => r.Gaps)))
            .ToList();

        var groundedRows = await (
                from f in db.LoopScores.AsNoTracking()
                where f.ProjectId == projectId && f.RecordedAt >= bounds.Rows && f.Name == ScoreNames.Faithfulness && f.PromptName != null
                      && f.PromptVersion != null
                join r in db.LoopScores.AsNoTracking() on new { f.ProjectId, f.TraceId } equals new { r.ProjectId, r.TraceId }
                where r.Name == ScoreNames.ContextRelevance && r.Value >= options.RelevanceThreshold && r.RecordedAt >= bounds.Rows
                group f by new { f.Model, f.PromptName, f.PromptVersion }
                into g
                select new { g.Key.Model, g.Key.PromptName, g.Key.PromptVersion, N = g.Count(), Failing = g.Sum(x => x.Value < options.FaithfulnessThreshold ? 1 : 0), Last = g.Max(x => x.RecordedAt) })
            .ToListAsync(cancellationToken);
        var grounded = groundedRows.GroupBy(r => (r.Model ?? "", r.PromptName!, r.PromptVersion!.Value))
            .Select(g => new GroundedCount(g.Key.Item1, g.Key.Item2, g.Key.Item3, g.Sum(r => r.N), g.Sum(r => r.Failing), Utc(g.Max(r => r.Last))))
            .ToList();
        return new WindowSummary(checks, sources, grounded);
    }

    /// <summary>The traces of a failing set, newest first, at most <paramref name="max"/>.</summary>
    public async Task<List<string>> FailingTraceIdsAsync(string projectId, FailingSet set, Bounds bounds, int max, CancellationToken cancellationToken)
    {
        var names = set.Versions?.Select(v => v.Name).Distinct().ToList();
        var numbers = set.Versions?.Select(v => v.Version).Distinct().ToList();
        var found = new List<(string TraceId, DateTime At, string? Prompt, int? Version)>();

        var rows = db.LoopScores.AsNoTracking()
            .Where(s => s.ProjectId == projectId && s.RecordedAt >= bounds.Rows && s.Name == set.Metric && s.Value < set.Below && s.TraceId != null);
        if (set.DataSource is { } source)
            rows = source.Length == 0 ? rows.Where(s => s.DataSourceId == null || s.DataSourceId == "") : rows.Where(s => s.DataSourceId == source);
        if (set.Model is { } model)
            rows = model.Length == 0 ? rows.Where(s => s.Model == null || s.Model == "") : rows.Where(s => s.Model == model);
        if (names is not null)
            rows = rows.Where(s => names.Contains(s.PromptName!) && numbers!.Contains(s.PromptVersion!.Value));
        if (set.RelevantAtLeast is { } relevant)
        {
            rows = rows.Where(s => db.LoopScores.Any(r => r.ProjectId == projectId && r.TraceId == s.TraceId && r.Name == ScoreNames.ContextRelevance
                                                          && r.Value >= relevant && r.RecordedAt >= bounds.Rows));
        }
        found.AddRange((await rows.OrderByDescending(s => s.RecordedAt).Take(max)
                .Select(s => new { s.TraceId, s.RecordedAt, s.PromptName, s.PromptVersion }).ToListAsync(cancellationToken))
            .Select(s => (s.TraceId!, Utc(s.RecordedAt), s.PromptName, s.PromptVersion)));

        if (CheckOutcomes.BitOf(set.Metric) is { } bit && set.RelevantAtLeast is null)
        {
            var traces = db.EvaluatedTraces.AsNoTracking()
                .Where(t => t.ProjectId == projectId && t.CheckedAt >= bounds.Masks && (t.ChecksRun & bit) != 0 && (t.ChecksFailed & bit) != 0);
            if (set.DataSource is { } traceSource)
                traces = traceSource.Length == 0 ? traces.Where(t => t.DataSourceId == null || t.DataSourceId == "") : traces.Where(t => t.DataSourceId == traceSource);
            if (set.Model is { } traceModel)
                traces = traceModel.Length == 0 ? traces.Where(t => t.Model == null || t.Model == "") : traces.Where(t => t.Model == traceModel);
            if (names is not null)
                traces = traces.Where(t => names.Contains(t.PromptName!) && numbers!.Contains(t.PromptVersion!.Value));
            found.AddRange((await traces.OrderByDescending(t => t.CheckedAt).Take(max)
                    .Select(t => new { t.TraceId, t.CheckedAt, t.PromptName, t.PromptVersion }).ToListAsync(cancellationToken))
                .Select(t => (t.TraceId, Utc(t.CheckedAt!.Value), t.PromptName, t.PromptVersion)));
        }

        // Names and numbers were matched separately in SQL; the pairs are matched here.
        return found
            .Where(f => set.Versions is null || (f.Prompt is not null && f.Version is not null && set.Versions.Contains(new PromptVersionKey(f.Prompt, f.Version.Value))))
            .OrderByDescending(f => f.At).ThenBy(f => f.TraceId, StringComparer.Ordinal)
            .Select(f => f.TraceId).Distinct(StringComparer.Ordinal).Take(max).ToList();
    }

    /// <summary>A data source's queries that found nothing relevant (context relevance at or below <paramref name="gapRelevance"/>), newest first.</summary>
    public async Task<List<string>> GapCandidatesAsync(string projectId, string dataSource, double gapRelevance, Bounds bounds, int max,
        CancellationToken cancellationToken)
    {
        var rows = db.LoopScores.AsNoTracking()
            .Where(s => s.ProjectId == projectId && s.RecordedAt >= bounds.Rows && s.Name == ScoreNames.ContextRelevance && s.Value <= gapRelevance
                        && s.TraceId != null);
        rows = dataSource.Length == 0 ? rows.Where(s => s.DataSourceId == null || s.DataSourceId == "") : rows.Where(s => s.DataSourceId == dataSource);
        return await rows.OrderByDescending(s => s.RecordedAt).ThenBy(s => s.TraceId).Take(max).Select(s => s.TraceId!).ToListAsync(cancellationToken);
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

    private static DateTime Later(DateTime from, DateTime? cut) => cut is { } value && Utc(value) > from ? Utc(value) : from;
}
