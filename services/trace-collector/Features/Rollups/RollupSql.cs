using System.Data.Common;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Rollups;

/// <summary>
/// The statements rollup accounting runs, per provider: on PostgreSQL one statement per step over arrays
/// (<c>unnest</c>), so a batch of thousands of traces costs a handful of round trips; on SQLite one prepared statement
/// per row (in-process, microseconds each).
/// </summary>
internal sealed partial class RollupSql(DbConnection connection, DbTransaction transaction, bool postgres, string traces, string scores,
    string traceRollups, string scoreRollups, string observations, string generationRollups)
{
    public sealed record TraceMark(string ProjectId, string Id, DateTime Minute, string Feature, int Bucket, bool Error);

    public sealed record ScoreMark(string ProjectId, string Id, DateTime? Minute, string? Name, double? Value);

    /// <summary>Rollup keys in the order rows are locked: minute, project, then feature or name (ordinal).</summary>
    public static readonly IComparer<(DateTime, string, string)> KeyOrder = Comparer<(DateTime, string, string)>.Create((a, b) =>
    {
        var byMinute = a.Item1.CompareTo(b.Item1);
        if (byMinute != 0)
            return byMinute;
        var byProject = string.CompareOrdinal(a.Item2, b.Item2);
        return byProject != 0 ? byProject : string.CompareOrdinal(a.Item3, b.Item3);
    });

    private const int SqliteKeysPerStatement = 400;

    private DbCommand Command(string text, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        foreach (var (name, value) in parameters)
            BulkSql.AddParameter(command, name, value, postgres);
        return command;
    }

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);

    /// <summary>The trace columns rollup accounting reads, in <see cref="TraceRowFrom"/>'s order.</summary>
    public const string TraceColumns =
        "t.project_id, t.id, t.start_time, t.end_time, t.status, t.feature, t.rollup_minute, t.rollup_feature, t.rollup_bucket, t.rollup_error";

    public async Task<List<RollupAccounting.TraceRow>> ReadTracesAsync(List<(string ProjectId, string Id)> keys, CancellationToken cancellationToken)
    {
        var rows = new List<RollupAccounting.TraceRow>(keys.Count);
        foreach (var (text, parameters) in KeyQueries(traces, TraceColumns, keys))
        {
            await using var command = Command(text, parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                rows.Add(TraceRowFrom(reader, fresh: false));
        }
        return rows;
    }

    /// <summary>A trace row as <see cref="TraceColumns"/> return it; <paramref name="fresh"/>: inserted by this transaction.</summary>
    public static RollupAccounting.TraceRow TraceRowFrom(DbDataReader reader, bool fresh)
    {
        RollupAccounting.TraceContribution? counted = reader.IsDBNull(6) ? null : new(Utc(reader.GetDateTime(6)),
            reader.IsDBNull(7) ? "" : reader.GetString(7), reader.IsDBNull(8) ? LatencyHistogram.Untimed : reader.GetInt32(8),
            !reader.IsDBNull(9) && reader.GetBoolean(9));
        return new RollupAccounting.TraceRow(reader.GetString(0), reader.GetString(1), Utc(reader.GetDateTime(2)),
            reader.IsDBNull(3) ? null : Utc(reader.GetDateTime(3)), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), counted, fresh);
    }

    public async Task<List<RollupAccounting.ScoreRow>> ReadScoresAsync(List<(string ProjectId, string Id)> keys, CancellationToken cancellationToken)
    {
        const string columns = "t.project_id, t.id, t.timestamp, t.name, t.status, t.value, t.rollup_minute, t.rollup_name, t.rollup_value";
        var rows = new List<RollupAccounting.ScoreRow>(keys.Count);
        foreach (var (text, parameters) in KeyQueries(scores, columns, keys))
        {
            await using var command = Command(text, parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                rows.Add(new RollupAccounting.ScoreRow(reader.GetString(0), reader.GetString(1), Utc(reader.GetDateTime(2)), reader.GetString(3),
                    reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetDouble(5), reader.IsDBNull(6) ? null : Utc(reader.GetDateTime(6)),
                    reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetDouble(8)));
        }
        return rows;
    }

    private IEnumerable<(string Text, (string, object?)[] Parameters)> KeyQueries(string table, string columns, List<(string ProjectId, string Id)> keys)
    {
        if (postgres)
        {
            yield return ($"SELECT {columns} FROM {table} t JOIN unnest(@p, @i) AS k(project_id, id) ON t.project_id = k.project_id AND t.id = k.id",
                [("@p", keys.Select(k => k.ProjectId).ToArray()), ("@i", keys.Select(k => k.Id).ToArray())]);
            yield break;
        }
        foreach (var chunk in keys.Chunk(SqliteKeysPerStatement))
        {
            var values = string.Join(", ", chunk.Select((_, i) => $"(@p{i}, @i{i})"));
            yield return ($"SELECT {columns} FROM {table} t WHERE (t.project_id, t.id) IN (VALUES {values})",
                [.. chunk.SelectMany((k, i) => new (string, object?)[] { ($"@p{i}", k.ProjectId), ($"@i{i}", k.Id) })]);
        }
    }

    public async Task MarkTracesAsync(List<TraceMark> marks, CancellationToken cancellationToken)
    {
        if (postgres)
        {
            await using var command = Command(
                $"UPDATE {traces} t SET rollup_minute = k.m, rollup_feature = k.f, rollup_bucket = k.b, rollup_error = k.e " +
                "FROM unnest(@p, @i, @m, @f, @b, @e) AS k(project_id, id, m, f, b, e) WHERE t.project_id = k.project_id AND t.id = k.id",
                ("@p", marks.Select(m => m.ProjectId).ToArray()), ("@i", marks.Select(m => m.Id).ToArray()),
                ("@m", marks.Select(m => m.Minute).ToArray()), ("@f", marks.Select(m => m.Feature).ToArray()),
                ("@b", marks.Select(m => m.Bucket).ToArray()), ("@e", marks.Select(m => m.Error).ToArray()));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        await using var update = Command(
            $"UPDATE {traces} SET rollup_minute = @m, rollup_feature = @f, rollup_bucket = @b, rollup_error = @e WHERE project_id = @p AND id = @i",
            ("@m", null), ("@f", null), ("@b", null), ("@e", null), ("@p", null), ("@i", null));
        foreach (var mark in marks)
        {
            Set(update, mark.Minute, mark.Feature, mark.Bucket, mark.Error, mark.ProjectId, mark.Id);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task MarkScoresAsync(List<ScoreMark> marks, CancellationToken cancellationToken)
    {
        if (postgres)
        {
            await using var command = Command(
                $"UPDATE {scores} t SET rollup_minute = k.m, rollup_name = k.n, rollup_value = k.v " +
                "FROM unnest(@p, @i, @m, @n, @v) AS k(project_id, id, m, n, v) WHERE t.project_id = k.project_id AND t.id = k.id",
                ("@p", marks.Select(m => m.ProjectId).ToArray()), ("@i", marks.Select(m => m.Id).ToArray()),
                ("@m", marks.Select(m => m.Minute).ToArray()), ("@n", marks.Select(m => m.Name).ToArray()),
                ("@v", marks.Select(m => m.Value).ToArray()));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        await using var update = Command(
            $"UPDATE {scores} SET rollup_minute = @m, rollup_name = @n, rollup_value = @v WHERE project_id = @p AND id = @i",
            ("@m", null), ("@n", null), ("@v", null), ("@p", null), ("@i", null));
        foreach (var mark in marks)
        {
            Set(update, mark.Minute, mark.Name, mark.Value, mark.ProjectId, mark.Id);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The stored rollups of these keys, locked until commit. On PostgreSQL a missing row is first inserted empty (a
    /// concurrent writer inserting the same key waits for it), so the read-then-write below never loses an update.
    /// </summary>
    public async Task<Dictionary<(DateTime, string, string), TraceRollupRecord>> LockTraceRollupsAsync(List<(DateTime Minute, string ProjectId, string Feature)> keys,
        CancellationToken cancellationToken)
    {
        var found = new Dictionary<(DateTime, string, string), TraceRollupRecord>();
        DbCommand read;
        if (postgres)
        {
            var parameters = new (string, object?)[]
            {
                ("@m", keys.Select(k => k.Minute).ToArray()), ("@p", keys.Select(k => k.ProjectId).ToArray()), ("@f", keys.Select(k => k.Feature).ToArray()),
            };
            await using (var ensure = Command(
                $"INSERT INTO {traceRollups} (minute, project_id, feature, traces, errors, latency) " +
                "SELECT m, p, f, 0, 0, '' FROM unnest(@m, @p, @f) AS k(m, p, f) ORDER BY m, p COLLATE \"C\", f COLLATE \"C\" ON CONFLICT DO NOTHING", parameters))
                await ensure.ExecuteNonQueryAsync(cancellationToken);
            read = Command(
                $"SELECT r.minute, r.project_id, r.feature, r.traces, r.errors, r.latency FROM {traceRollups} r " +
                "JOIN unnest(@m, @p, @f) AS k(m, p, f) ON r.minute = k.m AND r.project_id = k.p AND r.feature = k.f " +
                "ORDER BY r.minute, r.project_id COLLATE \"C\", r.feature COLLATE \"C\" FOR UPDATE OF r", parameters);
            await using (read)
                await ReadRollupsAsync(read, found, cancellationToken);
            return found;
        }
        await using (read = Command($"SELECT minute, project_id, feature, traces, errors, latency FROM {traceRollups} WHERE minute = @m AND project_id = @p AND feature = @f",
                         ("@m", null), ("@p", null), ("@f", null)))
        {
            foreach (var key in keys)
            {
                Set(read, key.Minute, key.ProjectId, key.Feature);
                await ReadRollupsAsync(read, found, cancellationToken);
            }
        }
        return found;
    }

    private static async Task ReadRollupsAsync(DbCommand read, Dictionary<(DateTime, string, string), TraceRollupRecord> found, CancellationToken cancellationToken)
    {
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var record = new TraceRollupRecord
            {
                Minute = Utc(reader.GetDateTime(0)), ProjectId = reader.GetString(1), Feature = reader.GetString(2),
                Traces = reader.GetInt64(3), Errors = reader.GetInt64(4), Latency = reader.GetString(5),
            };
            found[(record.Minute, record.ProjectId, record.Feature)] = record;
        }
    }

    /// <summary>Writes the new totals of the locked rollups; a minute left with no trace is deleted.</summary>
    public async Task WriteTraceRollupsAsync(List<TraceRollupRecord> rows, CancellationToken cancellationToken)
    {
        var kept = rows.Where(r => r.Traces > 0).ToList();
        var emptied = rows.Where(r => r.Traces <= 0).ToList();
        if (postgres)
        {
            if (kept.Count > 0)
            {
                await using var upsert = Command(
                    $"INSERT INTO {traceRollups} AS t (minute, project_id, feature, traces, errors, latency) " +
                    "SELECT m, p, f, n, e, l FROM unnest(@m, @p, @f, @t, @e, @l) AS k(m, p, f, n, e, l) ORDER BY m, p COLLATE \"C\", f COLLATE \"C\" " +
                    "ON CONFLICT (minute, project_id, feature) DO UPDATE SET traces = excluded.traces, errors = excluded.errors, latency = excluded.latency",
                    ("@m", kept.Select(r => r.Minute).ToArray()), ("@p", kept.Select(r => r.ProjectId).ToArray()), ("@f", kept.Select(r => r.Feature).ToArray()),
                    ("@t", kept.Select(r => r.Traces).ToArray()), ("@e", kept.Select(r => r.Errors).ToArray()), ("@l", kept.Select(r => r.Latency).ToArray()));
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
            if (emptied.Count > 0)
            {
                await using var delete = Command(
                    $"DELETE FROM {traceRollups} r USING unnest(@m, @p, @f) AS k(m, p, f) WHERE r.minute = k.m AND r.project_id = k.p AND r.feature = k.f",
                    ("@m", emptied.Select(r => r.Minute).ToArray()), ("@p", emptied.Select(r => r.ProjectId).ToArray()), ("@f", emptied.Select(r => r.Feature).ToArray()));
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
            return;
        }
        await using var write = Command(
            $"INSERT INTO {traceRollups} (minute, project_id, feature, traces, errors, latency) VALUES (@m, @p, @f, @t, @e, @l) " +
            "ON CONFLICT (minute, project_id, feature) DO UPDATE SET traces = excluded.traces, errors = excluded.errors, latency = excluded.latency",
            ("@m", null), ("@p", null), ("@f", null), ("@t", null), ("@e", null), ("@l", null));
        foreach (var row in kept)
        {
            Set(write, row.Minute, row.ProjectId, row.Feature, row.Traces, row.Errors, row.Latency);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var remove = Command($"DELETE FROM {traceRollups} WHERE minute = @m AND project_id = @p AND feature = @f", ("@m", null), ("@p", null), ("@f", null));
        foreach (var row in emptied)
        {
            Set(remove, row.Minute, row.ProjectId, row.Feature);
            await remove.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Adds count and sum deltas to the score rollups (atomic upserts), then drops the keys left with no score.</summary>
    public async Task AddScoreRollupsAsync(List<ScoreRollupRecord> deltas, CancellationToken cancellationToken)
    {
        if (deltas.Count == 0)
            return;
        const string conflict = "ON CONFLICT (minute, project_id, name) DO UPDATE SET count = t.count + excluded.count, sum = t.sum + excluded.sum";
        if (postgres)
        {
            var parameters = new (string, object?)[]
            {
                ("@m", deltas.Select(r => r.Minute).ToArray()), ("@p", deltas.Select(r => r.ProjectId).ToArray()), ("@n", deltas.Select(r => r.Name).ToArray()),
                ("@c", deltas.Select(r => r.Count).ToArray()), ("@s", deltas.Select(r => r.Sum).ToArray()),
            };
            await using (var upsert = Command(
                $"INSERT INTO {scoreRollups} AS t (minute, project_id, name, count, sum) SELECT m, p, n, c, s FROM unnest(@m, @p, @n, @c, @s) AS k(m, p, n, c, s) " +
                $"ORDER BY m, p COLLATE \"C\", n COLLATE \"C\" {conflict}", parameters))
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            await using var delete = Command(
                $"DELETE FROM {scoreRollups} r USING unnest(@m, @p, @n) AS k(m, p, n) WHERE r.minute = k.m AND r.project_id = k.p AND r.name = k.n AND r.count <= 0",
                parameters[..3]);
            await delete.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        await using var add = Command($"INSERT INTO {scoreRollups} AS t (minute, project_id, name, count, sum) VALUES (@m, @p, @n, @c, @s) {conflict}",
            ("@m", null), ("@p", null), ("@n", null), ("@c", null), ("@s", null));
        await using var prune = Command($"DELETE FROM {scoreRollups} WHERE minute = @m AND project_id = @p AND name = @n AND count <= 0",
            ("@m", null), ("@p", null), ("@n", null));
        foreach (var delta in deltas)
        {
            Set(add, delta.Minute, delta.ProjectId, delta.Name, delta.Count, delta.Sum);
            await add.ExecuteNonQueryAsync(cancellationToken);
            Set(prune, delta.Minute, delta.ProjectId, delta.Name);
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private void Set(DbCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] switch
            {
                null => DBNull.Value,
                DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc),
                var v => v,
            };
    }
}
