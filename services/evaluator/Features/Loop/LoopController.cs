using LlmOps.Evaluator.Features.Actions;
using LlmOps.Evaluator.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// One pass of the loop over a project: count its window in the database (<see cref="LoopWindow.SummaryAsync"/>), run the
/// decision table on the counts, read the failing traces only of what it diagnosed and would not be refused for a
/// cooldown, cluster knowledge gaps, and hand each diagnosis to the action book (which applies cooldowns and publishes). A pass's cost follows the number of prompt
/// versions and data sources, not the traffic: the evaluator keeps no copy of the window.
/// </summary>
public sealed class LoopController(EvaluatorDbContext db, LoopWindow window, ActionBook actions, IOptions<EvaluatorOptions> options, TimeProvider clock)
{
    /// <summary>Scores (and checked traces) counted per pass at most, the most recent: bounds a pass's cost on a very busy project.</summary>
    public const int MaxWindowScores = 200_000;

    /// <summary>Failing traces read per diagnosis at most (its examples, the fine-tune curator's candidates, a gap's queries).</summary>
    public const int MaxFailingTraces = 2_000;

    /// <summary>
    /// Runs every query a pass can make once, against no project, so the first real diagnosis after a start does not pay
    /// for translating them (hundreds of milliseconds on a loaded machine, against the loop's 2 s goal).
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var loop = options.Value.Loop;
        var bounds = await window.BoundsAsync("", clock.GetUtcNow().UtcDateTime.AddHours(-loop.WindowHours), MaxWindowScores, cancellationToken);
        await window.SummaryAsync("", bounds, loop, cancellationToken);
        FailingSet[] shapes =
        [
            new() { Metric = ScoreNames.JsonValid, Below = 0.5, Versions = [new PromptVersionKey("", 1)] },
            new() { Metric = ScoreNames.ContextRelevance, Below = loop.RelevanceThreshold, DataSource = "" },
            new() { Metric = ScoreNames.Faithfulness, Below = loop.FaithfulnessThreshold, Model = "", Versions = [new PromptVersionKey("", 1)],
                RelevantAtLeast = loop.RelevanceThreshold },
        ];
        foreach (var shape in shapes)
            await window.FailingTraceIdsAsync("", shape, bounds, 1, cancellationToken);
        await window.GapCandidatesAsync("", "", loop.GapRelevance, bounds, 1, cancellationToken);
    }

    public async Task<int> EvaluateAsync(string projectId, CancellationToken cancellationToken)
    {
        var loop = options.Value.Loop;
        var now = clock.GetUtcNow().UtcDateTime;
        var from = now.AddHours(-loop.WindowHours);
        var bounds = await window.BoundsAsync(projectId, from, MaxWindowScores, cancellationToken);
        var summary = await window.SummaryAsync(projectId, bounds, loop, cancellationToken);
        if (summary.IsEmpty)
            return 0;

        var diagnoses = new List<Diagnosis>();
        var cooling = await actions.CoolingDownAsync(projectId, cancellationToken);
        foreach (var diagnosis in DecisionTable.Diagnose(summary, loop, from, now))
        {
            // The action book would refuse it (its action is cooling down): not worth reading up to 2,000 failing traces
            // for, on every pass while the problem lasts.
            if (cooling.Contains((diagnosis.Kind, diagnosis.Subject)))
                continue;
            var failing = diagnosis.Failing is { } set
                ? await window.FailingTraceIdsAsync(projectId, set, bounds, MaxFailingTraces, cancellationToken)
                : diagnosis.FailingTraceIds;
            diagnoses.Add(diagnosis.WithFailingTraces(failing, loop.Examples));
        }
        diagnoses.AddRange(await KnowledgeGapDiagnosesAsync(projectId, summary, bounds, loop, from, now, cancellationToken));
        var proposed = 0;
        foreach (var diagnosis in diagnoses)
            if (await actions.ProposeAsync(projectId, diagnosis, cancellationToken))
                proposed++;
        return proposed;
    }

    private async Task<List<Diagnosis>> KnowledgeGapDiagnosesAsync(string projectId, WindowSummary summary, LoopWindow.Bounds bounds, LoopOptions loop,
        DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var result = new List<Diagnosis>();
        foreach (var source in summary.Sources.Where(s => s.Metric == ScoreNames.ContextRelevance && s.GapCandidates >= loop.KnowledgeGapMinQueries)
                     .OrderBy(s => s.DataSource, StringComparer.Ordinal))
        {
            var ids = await window.GapCandidatesAsync(projectId, source.DataSource, loop.GapRelevance, bounds, MaxFailingTraces, cancellationToken);
            var questions = await db.EvaluatedTraces.AsNoTracking()
                .Where(t => t.ProjectId == projectId && ids.Contains(t.TraceId) && t.Question != null)
                .Select(t => new { t.TraceId, t.Question })
                .ToDictionaryAsync(t => t.TraceId, t => t.Question!, StringComparer.Ordinal, cancellationToken);
            // Oldest first, as the clusters' leaders are picked in arrival order.
            var queries = Enumerable.Reverse(ids).Where(questions.ContainsKey).Select(id => new KnowledgeGaps.Query(id, questions[id])).ToList();
            var relevanceScores = source.N;
            var key = source.DataSource;
            foreach (var cluster in KnowledgeGaps.Find(queries, loop.KnowledgeGapMinQueries))
            {
                var interval = Statistics.Wilson(cluster.Queries.Count, relevanceScores, loop.Alpha);
                result.Add(new Diagnosis
                {
                    Path = Contracts.Actions.ActionPaths.Rag,
                    Kind = ActionKinds.KnowledgeGap,
                    Subject = $"gap:{key}:{cluster.Topic}",
                    Metric = ScoreNames.ContextRelevance,
                    Summary = $"{cluster.Queries.Count} queries about \"{cluster.Topic}\" found nothing relevant"
                              + (key.Length == 0 ? "" : $" in data source {key}") + ": the knowledge base lacks this content.",
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
                    DataSourceId = key.Length == 0 ? null : key,
                    FailingTraceIds = cluster.Queries.Select(q => q.TraceId).ToList(),
                });
            }
        }
        return result;
    }
}
