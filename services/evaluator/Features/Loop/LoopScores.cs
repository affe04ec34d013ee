using System.Collections.Concurrent;
using LlmOps.Contracts.Evaluation;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// Keeps the scores the decision table reads (whoever recorded them: this evaluator, people, the API), once per score id,
/// and marks their projects for the controller's next pass.
/// </summary>
public sealed class LoopScores(EvaluatorDbContext db, LoopWork work)
{
    private static readonly string[] Columns =
        ["score_id", "project_id", "trace_id", "name", "value", "label", "status", "source", "prompt_name", "prompt_version", "model", "data_source_id", "recorded_at"];

    public static readonly IReadOnlySet<string> Relevant = new HashSet<string>(DecisionTable.InstructionMetrics.Concat(
        [ScoreNames.ContextRelevance, ScoreNames.ContextRecall, ScoreNames.Faithfulness, ScoreNames.AnswerRelevance, ScoreNames.ContextPrecision]),
        StringComparer.Ordinal);

    public async Task RecordAsync(IReadOnlyList<ScoreRecorded> scores, CancellationToken cancellationToken)
    {
        // Only defined values feed the statistics: "not applicable" and judge errors are not failures.
        var kept = scores.Where(s => s.Status == ScoreStatuses.Ok && s.Value is { } v && double.IsFinite(v) && s.TraceId is not null
                                     && Relevant.Contains(s.Name))
            .DistinctBy(s => s.ScoreId).ToList();
        if (kept.Count == 0)
            return;
        var postgres = db.Database.IsPostgres();
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
            await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            foreach (var chunk in kept.Chunk(500))
            {
                await using var command = BulkSql.Insert(connection, null, postgres, db.Database.Table(EvaluatorDbContext.Schema, "loop_scores"), Columns, chunk,
                    s => [s.ScoreId, s.ProjectId, s.TraceId, s.Name, s.Value, s.Label, s.Status, s.Source, s.PromptName, s.PromptVersion, s.Model,
                        s.DataSourceId, s.RecordedAt.UtcDateTime],
                    "ON CONFLICT (score_id) DO NOTHING");
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        foreach (var project in kept.Select(s => s.ProjectId).Distinct(StringComparer.Ordinal))
            work.MarkDirty(project);
    }
}

/// <summary>Projects with new scores since the controller last looked (one set per process; the ticker drains it).</summary>
public sealed class LoopWork
{
    private readonly ConcurrentDictionary<string, byte> _dirty = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);

    public void MarkDirty(string projectId)
    {
        if (_dirty.TryAdd(projectId, 0))
            _signal.Release();
    }

    public List<string> Drain()
    {
        var projects = new List<string>();
        foreach (var project in _dirty.Keys)
            if (_dirty.TryRemove(project, out _))
                projects.Add(project);
        return projects;
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
