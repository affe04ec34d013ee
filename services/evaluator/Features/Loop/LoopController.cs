using LlmOps.Evaluator.Features.Actions;
using LlmOps.Evaluator.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// One pass of the loop over a project: read its window of scores (the latest per trace and metric, <see cref="LoopWindow"/>),
/// run the decision table, cluster knowledge gaps, and hand each diagnosis to the action book (which applies cooldowns and
/// publishes).
/// </summary>
public sealed class LoopController(EvaluatorDbContext db, LoopWindow window, ActionBook actions, IOptions<EvaluatorOptions> options, TimeProvider clock)
{
    /// <summary>Scores read per pass at most (the most recent): bounds a pass's cost on a very busy project.</summary>
    public const int MaxWindowScores = 200_000;

    public async Task<int> EvaluateAsync(string projectId, CancellationToken cancellationToken)
    {
        var loop = options.Value.Loop;
        var now = clock.GetUtcNow().UtcDateTime;
        var from = now.AddHours(-loop.WindowHours);
        var points = await window.PointsAsync(projectId, from, MaxWindowScores, cancellationToken);
        if (points.Count == 0)
            return 0;

        var diagnoses = DecisionTable.Diagnose(points, loop, from, now);
        diagnoses.AddRange(await KnowledgeGapDiagnosesAsync(projectId, points, loop, from, now, cancellationToken));
        var proposed = 0;
        foreach (var diagnosis in diagnoses)
            if (await actions.ProposeAsync(projectId, diagnosis, cancellationToken))
                proposed++;
        return proposed;
    }

    private async Task<List<Diagnosis>> KnowledgeGapDiagnosesAsync(string projectId, List<ScorePoint> points, LoopOptions loop, DateTime from, DateTime to,
        CancellationToken cancellationToken)
    {
        var result = new List<Diagnosis>();
        foreach (var source in DecisionTable.GapCandidates(points, loop).GroupBy(p => p.DataSourceId ?? "").OrderBy(g => g.Key))
        {
            if (source.Count() < loop.KnowledgeGapMinQueries)
                continue;
            var ids = source.OrderBy(p => p.RecordedAt).Select(p => p.TraceId).Take(2_000).ToList();
            var questions = await db.EvaluatedTraces.AsNoTracking()
                .Where(t => t.ProjectId == projectId && ids.Contains(t.TraceId) && t.Question != null)
                .Select(t => new { t.TraceId, t.Question })
                .ToDictionaryAsync(t => t.TraceId, t => t.Question!, StringComparer.Ordinal, cancellationToken);
            var queries = ids.Where(questions.ContainsKey).Select(id => new KnowledgeGaps.Query(id, questions[id])).ToList();
            var relevanceScores = points.Count(p => p.Name == ScoreNames.ContextRelevance && (p.DataSourceId ?? "") == source.Key);
            foreach (var cluster in KnowledgeGaps.Find(queries, loop.KnowledgeGapMinQueries))
            {
                var interval = Statistics.Wilson(cluster.Queries.Count, relevanceScores, loop.Alpha);
                result.Add(new Diagnosis
                {
                    Path = Contracts.Actions.ActionPaths.Rag,
                    Kind = ActionKinds.KnowledgeGap,
                    Subject = $"gap:{source.Key}:{cluster.Topic}",
                    Metric = ScoreNames.ContextRelevance,
                    Summary = $"{cluster.Queries.Count} queries about \"{cluster.Topic}\" found nothing relevant"
                              + (source.Key.Length == 0 ? "" : $" in data source {source.Key}") + ": the knowledge base lacks this content.",
                    Evidence = new Contracts.Actions.ActionEvidence
                    {
                        Metric = ScoreNames.ContextRelevance,
                        SampleSize = relevanceScores,
                        FailureCount = cluster.Queries.Count,
                        Rate = relevanceScores == 0 ? 0 : (double)cluster.Queries.Count / relevanceScores,
                        IntervalLow = Math.Round(interval.Low, 4),
                        IntervalHigh = Math.Round(interval.High, 4),
                        Method = $"leader clustering of queries with context_relevance <= {loop.GapRelevance}",
                        WindowFrom = new DateTimeOffset(from, TimeSpan.Zero),
                        WindowTo = new DateTimeOffset(to, TimeSpan.Zero),
                        ExampleTraceIds = cluster.Queries.Select(q => q.TraceId).Take(loop.Examples).ToList(),
                    },
                    DataSourceId = source.Key.Length == 0 ? null : source.Key,
                    FailingTraceIds = cluster.Queries.Select(q => q.TraceId).ToList(),
                });
            }
        }
        return result;
    }
}
