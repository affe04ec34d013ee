namespace LlmOps.TraceCollector.Features.Rollups;

/// <summary>
/// Rebuilds every rollup from the raw rows in SQL, with the same bucketing as <see cref="RollupAccounting"/>, and marks
/// each trace and score with what it was counted with, so later writes move their contribution correctly. Run by the
/// migration that introduces the rollups (backfilling stored traces), and usable again to rebuild them after rows were
/// written around the store (the dashboard benchmark's seeding).
/// </summary>
public static class RollupBackfill
{
    private static string Minute(bool postgres, string column) => postgres
        ? $"date_trunc('minute', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
        // EF keeps a SQLite DateTime as yyyy-MM-dd HH:mm:ss.FFFFFFF text; a whole minute reads back as yyyy-MM-dd HH:mm:00.
        : $"substr({column}, 1, 16) || ':00'";

    private static string Milliseconds(bool postgres, string from, string to) => postgres
        ? $"(EXTRACT(EPOCH FROM ({to} - {from})) * 1000)"
        // Whole seconds by strftime, the fraction from the text itself: julianday() keeps only milliseconds.
        : $"(((strftime('%s', substr({to}, 1, 19)) - strftime('%s', substr({from}, 1, 19))) + " +
          $"CAST(substr({to}, 20) AS REAL) - CAST(substr({from}, 20) AS REAL)) * 1000.0)";

    /// <summary>The trace and score rollups (migration 4).</summary>
    /// <param name="postgres">Which dialect.</param>
    /// <param name="table">A table's name as SQL sees it (schema-qualified on PostgreSQL).</param>
    public static IReadOnlyList<string> Statements(bool postgres, Func<string, string> table)
    {
        string Minute(string column) => RollupBackfill.Minute(postgres, column);
        var milliseconds = Milliseconds(postgres, "start_time", "end_time");
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

    /// <summary>
    /// The generation rollups (migration 6), with <see cref="GenerationFacts"/>' rules. SQL reads the metadata by text
    /// pattern (a stored metadata need not be valid JSON, and a failed cast would abort the migration), which matches
    /// the compact JSON the collector writes; a value nested deeper under the same key could differ from the store's own
    /// top-level reading, and each row remembers what it was counted with, so later writes still move it correctly.
    /// </summary>
    public static IReadOnlyList<string> GenerationStatements(bool postgres, Func<string, string> table)
    {
        const string counted = "type = 'generation' AND start_time IS NOT NULL";
        var ttft = $"CASE WHEN completion_start_time IS NULL OR metadata LIKE '%\"streamed\":false%' THEN {LatencyHistogram.Untimed} " +
                   $"ELSE {LatencyHistogram.SqlBucket(Milliseconds(postgres, "start_time", "completion_start_time"))} END";
        var cache = $"CASE WHEN metadata LIKE '%\"cacheStatus\":\"hit\"%' OR metadata LIKE '%\"cacheStatus\":\"semantic_hit\"%' THEN {GenerationFacts.Hit} " +
                    $"WHEN metadata LIKE '%\"cacheStatus\":\"miss\"%' THEN {GenerationFacts.Miss} ELSE {GenerationFacts.NoLookup} END";
        return
        [
            $"DELETE FROM {table("generation_rollups")}",
            $"UPDATE {table("observations")} SET rollup_minute = CASE WHEN {counted} THEN {Minute(postgres, "start_time")} END, " +
            $"rollup_bucket = CASE WHEN {counted} THEN {ttft} END, rollup_cache = CASE WHEN {counted} THEN {cache} END",
            $"INSERT INTO {table("generation_rollups")} (minute, project_id, ttft_bucket, generations, cache_lookups, cache_hits) " +
            $"SELECT rollup_minute, project_id, rollup_bucket, count(*), sum(CASE WHEN rollup_cache > {GenerationFacts.NoLookup} THEN 1 ELSE 0 END), " +
            $"sum(CASE WHEN rollup_cache = {GenerationFacts.Hit} THEN 1 ELSE 0 END) FROM {table("observations")} WHERE rollup_minute IS NOT NULL " +
            "GROUP BY rollup_minute, project_id, rollup_bucket",
        ];
    }
}
