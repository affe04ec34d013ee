using System.Data.Common;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Rollups;

/// <summary>
/// The generation-rollup statements: read the touched observations with what they were counted with, mark them with
/// what they count now, and add the differences to <c>generation_rollups</c>. Every rollup column is a count, so the
/// rollup write is an additive upsert (like score rollups): concurrent writers need no row locks, only the key order.
/// </summary>
internal sealed partial class RollupSql
{
    public sealed record GenerationMark(string ProjectId, string Id, DateTime? Minute, int? Bucket, int? Cache);

    /// <summary>The observation columns generation accounting reads, in <see cref="GenerationRowFrom"/>'s order.</summary>
    public const string GenerationColumns =
        "t.project_id, t.id, t.type, t.start_time, t.completion_start_time, t.metadata, t.rollup_minute, t.rollup_bucket, t.rollup_cache";

    public async Task<List<RollupAccounting.GenerationRow>> ReadGenerationsAsync(List<(string ProjectId, string Id)> keys, CancellationToken cancellationToken)
    {
        var rows = new List<RollupAccounting.GenerationRow>(keys.Count);
        foreach (var (text, parameters) in KeyQueries(observations, GenerationColumns, keys))
        {
            await using var command = Command(text, parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                rows.Add(GenerationRowFrom(reader, fresh: false));
        }
        return rows;
    }

    /// <summary>An observation row as <see cref="GenerationColumns"/> return it; <paramref name="fresh"/>: inserted by this transaction.</summary>
    public static RollupAccounting.GenerationRow GenerationRowFrom(DbDataReader reader, bool fresh)
    {
        var now = GenerationFacts.Of(reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : Utc(reader.GetDateTime(3)),
            reader.IsDBNull(4) ? null : Utc(reader.GetDateTime(4)), reader.IsDBNull(5) ? null : reader.GetString(5));
        GenerationFacts.Contribution? counted = reader.IsDBNull(6) ? null
            : new(Utc(reader.GetDateTime(6)), reader.IsDBNull(7) ? LatencyHistogram.Untimed : reader.GetInt32(7), reader.IsDBNull(8) ? 0 : reader.GetInt32(8));
        return new RollupAccounting.GenerationRow(reader.GetString(0), reader.GetString(1), now, counted, fresh);
    }

    public async Task MarkGenerationsAsync(List<GenerationMark> marks, CancellationToken cancellationToken)
    {
        if (postgres)
        {
            await using var command = Command(
                $"UPDATE {observations} t SET rollup_minute = k.m, rollup_bucket = k.b, rollup_cache = k.c " +
                "FROM unnest(@p, @i, @m, @b, @c) AS k(project_id, id, m, b, c) WHERE t.project_id = k.project_id AND t.id = k.id",
                ("@p", marks.Select(m => m.ProjectId).ToArray()), ("@i", marks.Select(m => m.Id).ToArray()),
                ("@m", marks.Select(m => m.Minute).ToArray()), ("@b", marks.Select(m => m.Bucket).ToArray()),
                ("@c", marks.Select(m => m.Cache).ToArray()));
            await command.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        await using var update = Command(
            $"UPDATE {observations} SET rollup_minute = @m, rollup_bucket = @b, rollup_cache = @c WHERE project_id = @p AND id = @i",
            ("@m", null), ("@b", null), ("@c", null), ("@p", null), ("@i", null));
        foreach (var mark in marks)
        {
            Set(update, mark.Minute, mark.Bucket, mark.Cache, mark.ProjectId, mark.Id);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Adds the count deltas to the generation rollups (atomic upserts, in key order), then drops the keys left with no generation.</summary>
    public async Task AddGenerationRollupsAsync(List<GenerationRollupRecord> deltas, CancellationToken cancellationToken)
    {
        if (deltas.Count == 0)
            return;
        const string conflict = "ON CONFLICT (minute, project_id, ttft_bucket) DO UPDATE SET generations = t.generations + excluded.generations, " +
                                "cache_lookups = t.cache_lookups + excluded.cache_lookups, cache_hits = t.cache_hits + excluded.cache_hits";
        if (postgres)
        {
            var parameters = new (string, object?)[]
            {
                ("@m", deltas.Select(r => r.Minute).ToArray()), ("@p", deltas.Select(r => r.ProjectId).ToArray()), ("@b", deltas.Select(r => r.TtftBucket).ToArray()),
                ("@g", deltas.Select(r => r.Generations).ToArray()), ("@l", deltas.Select(r => r.CacheLookups).ToArray()), ("@h", deltas.Select(r => r.CacheHits).ToArray()),
            };
            await using (var upsert = Command(
                $"INSERT INTO {generationRollups} AS t (minute, project_id, ttft_bucket, generations, cache_lookups, cache_hits) " +
                $"SELECT m, p, b, g, l, h FROM unnest(@m, @p, @b, @g, @l, @h) AS k(m, p, b, g, l, h) ORDER BY m, p COLLATE \"C\", b {conflict}", parameters))
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            await using var delete = Command(
                $"DELETE FROM {generationRollups} r USING unnest(@m, @p, @b) AS k(m, p, b) " +
                "WHERE r.minute = k.m AND r.project_id = k.p AND r.ttft_bucket = k.b AND r.generations <= 0", parameters[..3]);
            await delete.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        await using var add = Command(
            $"INSERT INTO {generationRollups} AS t (minute, project_id, ttft_bucket, generations, cache_lookups, cache_hits) VALUES (@m, @p, @b, @g, @l, @h) {conflict}",
            ("@m", null), ("@p", null), ("@b", null), ("@g", null), ("@l", null), ("@h", null));
        await using var prune = Command($"DELETE FROM {generationRollups} WHERE minute = @m AND project_id = @p AND ttft_bucket = @b AND generations <= 0",
            ("@m", null), ("@p", null), ("@b", null));
        foreach (var delta in deltas)
        {
            Set(add, delta.Minute, delta.ProjectId, delta.TtftBucket, delta.Generations, delta.CacheLookups, delta.CacheHits);
            await add.ExecuteNonQueryAsync(cancellationToken);
            Set(prune, delta.Minute, delta.ProjectId, delta.TtftBucket);
            await prune.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
