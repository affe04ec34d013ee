using System.Data.Common;
using System.Diagnostics.Metrics;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.ServiceDefaults.Telemetry;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// Writes a batch of traces, observations and scores in one transaction with multi-row upserts
/// (<c>INSERT … ON CONFLICT DO UPDATE</c>, fed by binary COPY on PostgreSQL), never row by row through the change tracker. Merging happens in SQL, so replicas writing the same rows never lose each other's fields: an observation's
/// stored value is replaced only by a non-null one; a trace's times widen, an error sticks, derived fields fill only what
/// is empty while explicit ones override. Rows are written in key order, so two concurrent batches cannot deadlock.
/// Every write marks its trace active and pending (see trace completion). Projects that ask for it have PII and secrets
/// masked in their text here, the one place every ingestion path passes. The per-minute rollups trace-stats reads are
/// brought in line with the written rows in the same transaction (<see cref="Rollups.RollupAccounting"/>).
/// </summary>
public sealed class TraceStore(TraceCollectorDbContext db, Projects.ProjectPolicies policies, TimeProvider clock)
{

    private static readonly Counter<long> Written = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.traces.rows_written", description: "Trace, observation and score rows upserted, by kind");

    private static readonly string[] ObservationColumns =
    [
        "project_id", "id", "trace_id", "parent_id", "type", "name", "start_time", "end_time", "completion_start_time", "model",
        "provider", "deployment", "prompt_name", "prompt_version", "input_tokens", "output_tokens", "cached_input_tokens",
        "reasoning_tokens", "usage_estimated", "status", "status_message", "input", "output", "metadata", "inference_id",
        "created_at", "updated_at",
    ];

    private static readonly string[] TraceColumns =
    [
        "project_id", "id", "name", "user_id", "session_id", "feature", "start_time", "end_time", "status", "input", "output",
        "metadata", "created_at", "updated_at", "last_activity_at", "pending", "revision",
    ];

    private static readonly string[] ScoreColumns =
    [
        "project_id", "id", "trace_id", "observation_id", "session_id", "name", "data_type", "value", "label", "comment", "source",
        "status", "evaluator_name", "judge_model", "timestamp", "created_at", "updated_at",
    ];

    private static readonly NpgsqlDbType[] ObservationColumnTypes =
    [
        Text, Text, Text, Text, Text, Text, Time, Time, Time, Text, Text, Text, Text, NpgsqlDbType.Integer, NpgsqlDbType.Bigint,
        NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Boolean, Text, Text, Text, Text, Text, NpgsqlDbType.Uuid,
        Time, Time,
    ];

    private static readonly NpgsqlDbType[] TraceColumnTypes =
        [Text, Text, Text, Text, Text, Text, Time, Time, Text, Text, Text, Text, Time, Time, Time, NpgsqlDbType.Boolean, NpgsqlDbType.Integer];

    private static readonly NpgsqlDbType[] ScoreColumnTypes =
        [Text, Text, Text, Text, Text, Text, Text, NpgsqlDbType.Double, Text, Text, Text, Text, Text, Text, Time, Time, Time];

    private const NpgsqlDbType Text = NpgsqlDbType.Text;
    private const NpgsqlDbType Time = NpgsqlDbType.TimestampTz;

    private static readonly string[] TraceTexts = ["name", "user_id", "session_id", "feature", "input", "output", "metadata"];

    public async Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
            return;
        var now = clock.GetUtcNow().UtcDateTime;
        Redaction.Apply(batch, policies);
        var observations = batch.Observations
            .GroupBy(o => (o.ProjectId, o.Id))
            .Select(g => g.Aggregate((a, b) => a.MergedWith(b)))
            .OrderBy(o => o.ProjectId, StringComparer.Ordinal).ThenBy(o => o.Id, StringComparer.Ordinal)
            .ToList();
        var derived = Merge(observations.Select(o => Derive(o, now)));
        var explicitTraces = Merge(batch.Traces.Where(t => t.Explicit));
        var scores = batch.Scores
            .GroupBy(s => (s.ProjectId, s.Id)).Select(g => g.Last())
            .OrderBy(s => s.ProjectId, StringComparer.Ordinal).ThenBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
        // Scores alone do not touch their trace; explicit trace writes and observations do (derived rows first).
        var traces = derived.Concat(batch.Traces.Where(t => !t.Explicit)).ToList();
        traces = Merge(traces);

        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var connection = db.Database.GetDbConnection();
            var dbTransaction = transaction.GetDbTransaction();
            // On PostgreSQL the upserts return their rows as they now stand, for the rollup accounting (null on SQLite: it reads them).
            var written = db.Database.IsPostgres() ? new WrittenRows() : null;
            await UpsertTracesAsync(connection, dbTransaction, traces, overriding: false, now, written, cancellationToken);
            await UpsertTracesAsync(connection, dbTransaction, explicitTraces, overriding: true, now, written, cancellationToken);
            await UpsertObservationsAsync(connection, dbTransaction, observations, now, written, cancellationToken);
            await UpsertScoresAsync(connection, dbTransaction, scores, now, cancellationToken);
            if (written is not null)
                await Rollups.RollupAccounting.AccountWrittenAsync(db, [.. written.Traces.Values], [.. scores.Select(s => (s.ProjectId, s.Id))],
                    [.. written.Generations.Values], cancellationToken);
            else
                await Rollups.RollupAccounting.AccountAsync(db, [.. traces.Concat(explicitTraces).Select(t => (t.ProjectId, t.Id))],
                    [.. scores.Select(s => (s.ProjectId, s.Id))], cancellationToken, [.. observations.Select(o => (o.ProjectId, o.Id))]);
            await transaction.CommitAsync(cancellationToken);
        });
        Written.Add(traces.Count + explicitTraces.Count, new KeyValuePair<string, object?>("kind", "trace"));
        Written.Add(observations.Count, new KeyValuePair<string, object?>("kind", "observation"));
        Written.Add(scores.Count, new KeyValuePair<string, object?>("kind", "score"));
    }

    private static List<TraceWrite> Merge(IEnumerable<TraceWrite> writes) =>
        writes.GroupBy(t => (t.ProjectId, t.Id))
            .Select(g => g.Aggregate((a, b) => a.MergedWith(b)))
            .OrderBy(t => t.ProjectId, StringComparer.Ordinal).ThenBy(t => t.Id, StringComparer.Ordinal)
            .ToList();

    /// <summary>What an observation tells about its trace: its time span, failure, who and what; a root's input and output.</summary>
    private static TraceWrite Derive(ObservationWrite o, DateTime now)
    {
        var root = o.ParentId is null;
        return new TraceWrite
        {
            ProjectId = o.ProjectId,
            Id = o.TraceId,
            Name = root ? o.Name : null,
            UserId = o.UserId,
            SessionId = o.SessionId,
            Feature = o.Feature,
            Input = root ? o.Input : null,
            Output = root ? o.Output : null,
            Metadata = o.TraceMetadata,
            StartTime = o.StartTime ?? o.EndTime ?? now,
            EndTime = o.EndTime,
            Error = o.Status == "error",
        };
    }

    private string Table(string name) => db.Database.Table(TraceCollectorDbContext.Schema, name);

    /// <summary>
    /// The rows a PostgreSQL transaction's upserts returned, by key: the latest state of each, and whether this transaction
    /// inserted it (<c>xmax = 0</c>: an insert, not an update of a row that was there).
    /// </summary>
    private sealed class WrittenRows
    {
        public readonly Dictionary<(string, string), Rollups.RollupAccounting.TraceRow> Traces = [];
        public readonly Dictionary<(string, string), Rollups.RollupAccounting.GenerationRow> Generations = [];

        public void Add(Rollups.RollupAccounting.TraceRow row) =>
            Traces[(row.ProjectId, row.Id)] = Traces.TryGetValue((row.ProjectId, row.Id), out var earlier) && earlier.Fresh ? row with { Fresh = true } : row;

        public void Add(Rollups.RollupAccounting.GenerationRow row) => Generations[(row.ProjectId, row.Id)] = row;
    }

    private const string Inserted = "(t.xmax = 0)";

    private static readonly string[] TraceRollupColumns = ["rollup_minute", "rollup_feature", "rollup_bucket", "rollup_error"];

    private static readonly NpgsqlDbType[] TraceRollupTypes = [Time, Text, NpgsqlDbType.Integer, NpgsqlDbType.Boolean];

    private static readonly string[] ObservationRollupColumns = ["rollup_minute", "rollup_bucket", "rollup_cache"];

    private static readonly NpgsqlDbType[] ObservationRollupTypes = [Time, NpgsqlDbType.Integer, NpgsqlDbType.Integer];

    private async Task UpsertTracesAsync(DbConnection connection, DbTransaction transaction, List<TraceWrite> rows, bool overriding,
        DateTime now, WrittenRows? written, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
            return;
        var texts = string.Join(", ", TraceTexts.Select(c => overriding
            ? $"{c} = COALESCE(excluded.{c}, t.{c})"
            : $"{c} = COALESCE(t.{c}, excluded.{c})"));
        var conflict =
            $"ON CONFLICT (project_id, id) DO UPDATE SET {texts}, " +
            "start_time = CASE WHEN excluded.start_time < t.start_time THEN excluded.start_time ELSE t.start_time END, " +
            "end_time = CASE WHEN t.end_time IS NULL OR excluded.end_time > t.end_time THEN COALESCE(excluded.end_time, t.end_time) ELSE t.end_time END, " +
            "status = CASE WHEN excluded.status = 'error' THEN 'error' ELSE t.status END, " +
            "updated_at = excluded.updated_at, last_activity_at = excluded.last_activity_at, pending = excluded.pending";
        // On PostgreSQL a new row is written with what it counts for in the rollups (its RETURNING says it is new), so the
        // accounting need not update it again; the conflict clause never touches those columns.
        var columns = written is null ? TraceColumns : [.. TraceColumns, .. TraceRollupColumns];
        var types = written is null ? TraceColumnTypes : [.. TraceColumnTypes, .. TraceRollupTypes];
        var returning = written is null ? "" : $" RETURNING {Rollups.RollupSql.TraceColumns}, {Inserted}";
        await ExecuteAsync(connection, transaction, "traces", columns, types, conflict + returning, rows, (t, values) =>
        {
            values.Add(t.ProjectId);
            values.Add(t.Id);
            values.Add(t.Name);
            values.Add(t.UserId);
            values.Add(t.SessionId);
            values.Add(t.Feature);
            values.Add(t.StartTime ?? now);
            values.Add(t.EndTime);
            values.Add(t.Error ? "error" : "ok");
            values.Add(t.Input);
            values.Add(t.Output);
            values.Add(t.Metadata);
            values.Add(now);
            values.Add(now);
            values.Add(now);
            values.Add(true);
            values.Add(0);
            if (written is not null)
            {
                var start = t.StartTime ?? now;
                values.Add(Rollups.RollupAccounting.Minute(start));
                values.Add(t.Feature ?? "");
                values.Add(Rollups.LatencyHistogram.Bucket(start, t.EndTime));
                values.Add(t.Error);
            }
        }, written is null ? null : reader => written.Add(Rollups.RollupSql.TraceRowFrom(reader, fresh: reader.GetBoolean(10))), cancellationToken);
    }

    private async Task UpsertObservationsAsync(DbConnection connection, DbTransaction transaction, List<ObservationWrite> rows,
        DateTime now, WrittenRows? written, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
            return;
        var merged = ObservationColumns.Skip(3).Where(c => c is not ("created_at" or "updated_at")).Select(c => $"{c} = COALESCE(excluded.{c}, t.{c})");
        var conflict = $"ON CONFLICT (project_id, id) DO UPDATE SET trace_id = excluded.trace_id, {string.Join(", ", merged)}, updated_at = excluded.updated_at";
        var columns = written is null ? ObservationColumns : [.. ObservationColumns, .. ObservationRollupColumns];
        var types = written is null ? ObservationColumnTypes : [.. ObservationColumnTypes, .. ObservationRollupTypes];
        var returning = written is null ? "" : $" RETURNING {Rollups.RollupSql.GenerationColumns}, {Inserted}";
        await ExecuteAsync(connection, transaction, "observations", columns, types, conflict + returning, rows, (o, values) =>
        {
            values.Add(o.ProjectId);
            values.Add(o.Id);
            values.Add(o.TraceId);
            values.Add(o.ParentId);
            values.Add(o.Type);
            values.Add(o.Name);
            values.Add(o.StartTime);
            values.Add(o.EndTime);
            values.Add(o.CompletionStartTime);
            values.Add(o.Model);
            values.Add(o.Provider);
            values.Add(o.Deployment);
            values.Add(o.PromptName);
            values.Add(o.PromptVersion);
            values.Add(o.InputTokens);
            values.Add(o.OutputTokens);
            values.Add(o.CachedInputTokens);
            values.Add(o.ReasoningTokens);
            values.Add(o.UsageEstimated);
            values.Add(o.Status);
            values.Add(o.StatusMessage);
            values.Add(o.Input);
            values.Add(o.Output);
            values.Add(o.Metadata);
            values.Add(o.InferenceId);
            values.Add(now);
            values.Add(now);
            if (written is not null)
            {
                var counts = Rollups.GenerationFacts.Of(o.Type, o.StartTime, o.CompletionStartTime, o.Metadata);
                values.Add(counts?.Minute);
                values.Add(counts?.Bucket);
                values.Add(counts?.Cache);
            }
        }, written is null ? null : reader => written.Add(Rollups.RollupSql.GenerationRowFrom(reader, fresh: reader.GetBoolean(9))), cancellationToken);
    }

    private async Task UpsertScoresAsync(DbConnection connection, DbTransaction transaction, List<ScoreWrite> rows, DateTime now,
        CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
            return;
        var replaced = ScoreColumns.Skip(2).Where(c => c != "created_at").Select(c => $"{c} = excluded.{c}");
        var conflict = $"ON CONFLICT (project_id, id) DO UPDATE SET {string.Join(", ", replaced)}";
        await ExecuteAsync(connection, transaction, "scores", ScoreColumns, ScoreColumnTypes, conflict, rows, (s, values) =>
        {
            values.Add(s.ProjectId);
            values.Add(s.Id);
            values.Add(s.TraceId);
            values.Add(s.ObservationId);
            values.Add(s.SessionId);
            values.Add(s.Name);
            values.Add(s.DataType);
            values.Add(s.Value);
            values.Add(s.Label);
            values.Add(s.Comment);
            values.Add(s.Source);
            values.Add(s.Status);
            values.Add(s.EvaluatorName);
            values.Add(s.JudgeModel);
            values.Add(DateTime.SpecifyKind(s.Timestamp, DateTimeKind.Utc));
            values.Add(now);
            values.Add(now);
        }, null, cancellationToken);
    }

    /// <summary>Upserts the rows (binary COPY through a staging table on PostgreSQL), in project and id order; <paramref name="returned"/> reads a RETURNING clause.</summary>
    private Task ExecuteAsync<T>(DbConnection connection, DbTransaction transaction, string table, string[] columns, NpgsqlDbType[] types,
        string conflict, List<T> rows, Action<T, List<object?>> values, Action<DbDataReader>? returned, CancellationToken cancellationToken) =>
        BulkSql.UpsertAsync(connection, transaction, table, Table(table), columns, types, "project_id, id", conflict, rows, values, returned, cancellationToken);
}
