using LlmOps.Evaluator.Features.Loop;

namespace LlmOps.Evaluator.Tests.Unit.Loop;

/// <summary>One score in a window, as a test writes it.</summary>
public sealed record ScorePoint(string TraceId, string Name, double Value, string? PromptName, int? PromptVersion, string? Model,
    string? DataSourceId, DateTime RecordedAt);

/// <summary>
/// The window's meaning spelled out over plain score lists: the latest score per trace and metric, counted the way
/// <see cref="LoopWindow.SummaryAsync"/> counts in the database, and failing sets listed the way
/// <see cref="LoopWindow.FailingTraceIdsAsync"/> reads them. The decision table's tests run on it, and the store's tests
/// check the database gives the same answers.
/// </summary>
public static class PointWindow
{
    public static List<ScorePoint> Latest(IEnumerable<ScorePoint> points) =>
        points.GroupBy(p => (p.TraceId, p.Name)).Select(g => g.MaxBy(p => p.RecordedAt)!).ToList();

    public static WindowSummary Summarize(IEnumerable<ScorePoint> points, LoopOptions options)
    {
        var latest = Latest(points);
        var checks = latest.Where(p => DecisionTable.InstructionMetrics.Contains(p.Name) && p.PromptName is not null && p.PromptVersion is not null)
            .GroupBy(p => (p.PromptName!, p.PromptVersion!.Value, p.Name))
            .Select(g => new CheckCount(g.Key.Item1, g.Key.Value, g.Key.Name, g.Count(), g.Count(p => p.Value < 0.5), g.Max(p => p.RecordedAt)))
            .ToList();
        var sources = latest.Where(p => p.Name is ScoreNames.ContextRelevance or ScoreNames.ContextRecall or ScoreNames.Faithfulness)
            .GroupBy(p => (p.DataSourceId ?? "", p.Name))
            .Select(g => new SourceCount(g.Key.Item1, g.Key.Name, g.Count(),
                g.Count(p => p.Value < (p.Name == ScoreNames.Faithfulness ? options.FaithfulnessThreshold : options.RelevanceThreshold)),
                g.Count(p => p.Name == ScoreNames.ContextRelevance && p.Value <= options.GapRelevance)))
            .ToList();
        var relevant = Relevant(latest, options.RelevanceThreshold);
        var grounded = latest.Where(p => p.Name == ScoreNames.Faithfulness && relevant.Contains(p.TraceId) && p.PromptName is not null && p.PromptVersion is not null)
            .GroupBy(p => (p.Model ?? "", p.PromptName!, p.PromptVersion!.Value))
            .Select(g => new GroundedCount(g.Key.Item1, g.Key.Item2, g.Key.Value, g.Count(), g.Count(p => p.Value < options.FaithfulnessThreshold), g.Max(p => p.RecordedAt)))
            .ToList();
        return new WindowSummary(checks, sources, grounded);
    }

    public static List<string> Failing(IEnumerable<ScorePoint> points, FailingSet set)
    {
        var latest = Latest(points);
        var relevant = set.RelevantAtLeast is { } at ? Relevant(latest, at) : null;
        return latest.Where(p => p.Name == set.Metric && p.Value < set.Below
                                 && (set.DataSource is null || (p.DataSourceId ?? "") == set.DataSource)
                                 && (set.Model is null || (p.Model ?? "") == set.Model)
                                 && (set.Versions is null || (p.PromptName is not null && p.PromptVersion is not null
                                                              && set.Versions.Contains(new PromptVersionKey(p.PromptName, p.PromptVersion.Value))))
                                 && (relevant is null || relevant.Contains(p.TraceId)))
            .OrderByDescending(p => p.RecordedAt).ThenBy(p => p.TraceId, StringComparer.Ordinal)
            .Select(p => p.TraceId).ToList();
    }

    /// <summary>The decision table on the points' counts, each diagnosis with its failing traces, as the controller passes them on.</summary>
    public static List<Diagnosis> Diagnose(IReadOnlyList<ScorePoint> points, LoopOptions options, DateTime from, DateTime to) =>
        DecisionTable.Diagnose(Summarize(points, options), options, from, to)
            .Select(d => d.Failing is { } set ? d.WithFailingTraces(Failing(points, set), options.Examples) : d)
            .ToList();

    private static HashSet<string> Relevant(IEnumerable<ScorePoint> latest, double atLeast) =>
        latest.Where(p => p.Name == ScoreNames.ContextRelevance && p.Value >= atLeast).Select(p => p.TraceId).ToHashSet(StringComparer.Ordinal);
}
