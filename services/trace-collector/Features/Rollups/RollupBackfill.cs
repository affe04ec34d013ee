namespace LlmOps.TraceCollector.Features.Rollups;

/// <summary>
/// Rebuilds every rollup from the raw rows in SQL, with the same bucketing as <see cref="RollupAccounting"/>, and marks
/// each trace and score with what it was counted with, so later writes move their contribution correctly. Run by the
/// migration that introduces the rollups (backfilling stored traces), and usable again to rebuild them after rows were
/// written around the store (the dashboard benchmark's seeding).
/// </summary>
public static class RollupBackfill
{
    /// <param name="postgres">Which dialect.</param>
    /// <param name="table">A table's name as SQL sees it (schema-qualified on PostgreSQL).</param>
    public static IReadOnlyList<string> Statements(bool postgres, Func<string, string> table)
    {
        string Minute(string column) => postgres
            ? $"date_trunc('minute', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
            // EF keeps a SQLite DateTime as yyyy-MM-dd HH:mm:ss.FFFFFFF text; a whole minute reads back as yyyy-MM-dd HH:mm:00.
            : $"substr({column}, 1, 16) || ':00'";
        var milliseconds = postgres
            ? "(EXTRACT(EPOCH FROM (end_time - start_time)) * 1000)"
            // Whole seconds by strftime, the fraction from the text itself: julianday() keeps only milliseconds.
            : "(((strftime('%s', substr(end_time, 1, 19)) - strftime('%s', substr(start_time, 1, 19))) + " +
              "CAST(substr(end_time, 20) AS REAL) - CAST(substr(start_time, 20) AS REAL)) * 1000.0)";
        var aggregate = postgres ? "string_agg" : "group_concat";
        var counted = "status = 'ok' AND value IS NOT NULL";
        return
        [
            $"DELETE FROM {table("trace_rollups")}",
            $"DELETE FROM {table("score_rollups")}",
            $"UPDATE {table("traces")} SET rollup_minute = {Minute("start_time")}, rollup_feature = COALESCE(feature, ''), " +
            $"rollup_bucket = CASE WHEN end_time IS NULL THEN {LatencyHistogram.Untimed} ELSE {LatencyHistogram.SqlBucket(milliseconds)} END, " +
            "rollup_error = (status = 'error')",
            $"INSERT INTO {table("trace_rollups")} (minute, project_id, feature, traces, errors, latency) " +
            $"SELECT rollup_minute, project_id, rollup_feature, sum(n), sum(e), COALESCE({aggregate}(CASE WHEN rollup_bucket >= 0 THEN rollup_bucket || ':' || n END, ','), '') " +
            "FROM (SELECT rollup_minute, project_id, rollup_feature, rollup_bucket, count(*) AS n, sum(CASE WHEN rollup_error THEN 1 ELSE 0 END) AS e " +
            $"FROM {table("traces")} GROUP BY rollup_minute, project_id, rollup_feature, rollup_bucket) g GROUP BY rollup_minute, project_id, rollup_feature",
            $"UPDATE {table("scores")} SET rollup_minute = CASE WHEN {counted} THEN {Minute("timestamp")} END, " +
            $"rollup_name = CASE WHEN {counted} THEN name END, rollup_value = CASE WHEN {counted} THEN value END",
            $"INSERT INTO {table("score_rollups")} (minute, project_id, name, count, sum) " +
            $"SELECT rollup_minute, project_id, rollup_name, count(*), sum(rollup_value) FROM {table("scores")} WHERE rollup_minute IS NOT NULL " +
            "GROUP BY rollup_minute, project_id, rollup_name",
        ];
    }
}
