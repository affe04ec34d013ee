using System.Collections.Concurrent;
using LlmOps.Contracts.Evaluation;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore;
using NpgsqlTypes;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// Keeps the scores the decision table reads (whoever recorded them: this evaluator, people, the API), once per score id,
/// and marks their projects for the controller's next pass. The evaluator's own instruction-check outcomes are not rows:
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
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await BulkSql.UpsertAsync(connection, transaction, "loop_scores", db.Database.Table(EvaluatorDbContext.Schema, "loop_scores"), Columns, Types,
                "score_id", "ON CONFLICT (score_id) DO NOTHING", kept, (s, values) =>
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
