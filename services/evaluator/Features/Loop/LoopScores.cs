using System.Collections.Concurrent;
using LlmOps.Contracts.Evaluation;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore;
using NpgsqlTypes;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// Keeps the scores the decision table reads (whoever recorded them: this evaluator, people, the API), the latest per trace
/// and metric, and marks their projects for the controller's next pass. The evaluator's own instruction-check outcomes are not rows:
/// they are masks on the trace row (<see cref="CheckOutcomes"/>); <see cref="LoopWindow"/> reads both.
/// </summary>
public sealed class LoopScores(EvaluatorDbContext db, LoopWork work)
{
    private static readonly string[] Columns =
        ["score_id", "project_id", "trace_id", "name", "value", "label", "status", "source", "prompt_name", "prompt_version", "model", "data_source_id", "recorded_at"];

    private static readonly NpgsqlDbType[] Types =
    [
        NpgsqlDbType.Uuid, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Double, NpgsqlDbType.Text, NpgsqlDbType.Text,
        NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.TimestampTz,
    ];

    /// <summary>
    /// A trace's metric keeps its latest score: a re-score replaces the row, a redelivered or older one changes nothing, so
    /// the window's counts take every trace once (the ties go to the larger score id, whichever replica writes first).
    /// </summary>
    private const string Latest =
        "ON CONFLICT (project_id, trace_id, name) DO UPDATE SET score_id = excluded.score_id, value = excluded.value, label = excluded.label, "
        + "status = excluded.status, source = excluded.source, prompt_name = excluded.prompt_name, prompt_version = excluded.prompt_version, "
        + "model = excluded.model, data_source_id = excluded.data_source_id, recorded_at = excluded.recorded_at "
        + "WHERE excluded.recorded_at > t.recorded_at OR (excluded.recorded_at = t.recorded_at AND excluded.score_id > t.score_id)";

    public static readonly IReadOnlySet<string> Relevant = new HashSet<string>(DecisionTable.InstructionMetrics.Concat(
        [ScoreNames.ContextRelevance, ScoreNames.ContextRecall, ScoreNames.Faithfulness, ScoreNames.AnswerRelevance, ScoreNames.ContextPrecision]),
        StringComparer.Ordinal);

    public async Task RecordAsync(IReadOnlyList<ScoreRecorded> scores, CancellationToken cancellationToken)
    {
        // Only defined values feed the statistics: "not applicable" and judge errors are not failures.
        var kept = scores.Where(s => s.Status == ScoreStatuses.Ok && s.Value is { } v && double.IsFinite(v) && s.TraceId is not null
                                     && Relevant.Contains(s.Name))
            // One row per trace and metric, the latest (a statement may not upsert the same key twice).
            .GroupBy(s => (s.ProjectId, s.TraceId, s.Name))
            .Select(g => g.OrderByDescending(s => s.RecordedAt).ThenByDescending(s => s.ScoreId).First())
            .ToList();
        if (kept.Count == 0)
            return;
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await BulkSql.UpsertAsync(connection, transaction, "loop_scores", db.Database.Table(EvaluatorDbContext.Schema, "loop_scores"), Columns, Types,
                "score_id", Latest, kept, (s, values) =>
                {
                    values.Add(s.ScoreId); values.Add(s.ProjectId); values.Add(s.TraceId); values.Add(s.Name); values.Add(s.Value); values.Add(s.Label);
                    values.Add(s.Status); values.Add(s.Source); values.Add(s.PromptName); values.Add(s.PromptVersion); values.Add(s.Model);
                    values.Add(s.DataSourceId); values.Add(s.RecordedAt.UtcDateTime);
                }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        foreach (var project in kept.Select(s => s.ProjectId).Distinct(StringComparer.Ordinal))
            work.MarkDirty(project);
    }

    /// <summary>For scores the window holds elsewhere (the check outcomes on the trace rows): the controller looks again.</summary>
    public void MarkDirty(string projectId) => work.MarkDirty(projectId);
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
