using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.TraceCollector.Features.Ingestion;
using LlmOps.TraceCollector.Features.Rollups;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LlmOps.TraceCollector.Tests.Query.Rows;

namespace LlmOps.TraceCollector.Tests.Query;

/// <summary>
/// trace-stats' cache hit rate and time to first token come from generation rollups the trace store keeps as it writes:
/// these tests write through the store itself (SQLite, or PostgreSQL with LLMOPS_QUERY_TESTS_ON_POSTGRES=1) and hold
/// the answers against the figures computed from the raw generations, including redelivered and later-updated writes.
/// </summary>
public class GenerationStatsRollupTests(QueryApiFixture api) : IClassFixture<QueryApiFixture>
{
    private static readonly string[] CacheStatuses = ["hit", "miss", "semantic_hit", "bypass", "none"];

    private async Task WriteAsync(TraceWriteBatch batch)
    {
        await using var scope = api.Host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TraceStore>().WriteAsync(batch, CancellationToken.None);
    }

    /// <summary>A gateway-style generation: the metadata the collector writes for an InferenceCompleted.</summary>
    private static ObservationWrite Generation(string project, string id, DateTime start, double? ttftMs, bool streamed, string cacheStatus,
        string type = ObservationTypes.Generation) => new()
    {
        ProjectId = project, Id = id, TraceId = "trace-" + id, Type = type, Name = "chat sim-small", StartTime = start,
        EndTime = start.AddMilliseconds((ttftMs ?? 100) + 500), CompletionStartTime = ttftMs is { } t ? start.AddMilliseconds(t) : null,
        Status = "ok", Metadata = JsonSerializer.Serialize(new { streamed, cacheStatus }, JsonSerializerOptions.Web),
    };

    private static TraceWriteBatch Batch(params ObservationWrite[] observations)
    {
        var batch = new TraceWriteBatch();
        batch.Observations.AddRange(observations);
        return batch;
    }

    private static async Task<JsonArray> GenerationsAsync(HttpClient client, DateTime from, DateTime to, string interval = "minute") =>
        (await QueryApiFixture.GetJsonAsync(client, $"/api/trace-stats?from={from:O}&to={to:O}&interval={interval}"))["generations"]!.AsArray();

    [Fact]
    public async Task Streamed_generations_give_the_ttft_and_hits_and_misses_give_the_cache_hit_rate_while_bypass_is_no_lookup()
    {
        var project = QueryApiFixture.NewProjectId();
        var at = Epoch.AddMinutes(5);
        await WriteAsync(Batch(
            Generation(project, "streamed-fast", at.AddSeconds(1), 200, streamed: true, "miss"),
            Generation(project, "streamed-slow", at.AddSeconds(2), 800, streamed: true, "hit"),
            Generation(project, "whole-answer", at.AddSeconds(3), 5_000, streamed: false, "semantic_hit"),
            Generation(project, "bypassed", at.AddSeconds(4), null, streamed: false, "bypass"),
            Generation(project, "embedding", at.AddSeconds(5), null, streamed: false, "hit", type: ObservationTypes.Embedding)));

        var bucket = Assert.Single(await GenerationsAsync(api.KeyOf(project), Epoch, Epoch.AddHours(1)))!;

        Assert.Equal(at, bucket["bucket"]!.GetValue<DateTime>().ToUniversalTime());
        Assert.Equal(4, bucket["generations"]!.GetValue<long>());
        Assert.Equal(3, bucket["cacheLookups"]!.GetValue<long>());
        Assert.Equal(2, bucket["cacheHits"]!.GetValue<long>());
        Assert.Equal(2.0 / 3, bucket["cacheHitRate"]!.GetValue<double>(), 9);
        // Only the two streamed generations are timed: the whole answer's 5 s is not a first token.
        Assert.Equal(2, bucket["ttftCount"]!.GetValue<long>());
        TraceStatsEndpointTests.AssertNear(200, bucket["ttftP50Ms"]!.GetValue<double>());
        TraceStatsEndpointTests.AssertNear(800, bucket["ttftP95Ms"]!.GetValue<double>());
    }

    [Fact]
    public async Task A_redelivered_batch_counts_nothing_twice_and_a_later_update_moves_the_generation()
    {
        var project = QueryApiFixture.NewProjectId();
        var at = Epoch.AddMinutes(10).AddSeconds(30);
        var first = Batch(Generation(project, "g1", at, null, streamed: true, "miss"), Generation(project, "g2", at, 300, streamed: true, "hit"));

        await WriteAsync(first);
        await WriteAsync(first);
        // Later the first generation reports its first token and an earlier start (a minute before); the merge keeps the rest.
        await WriteAsync(Batch(new ObservationWrite
        {
            ProjectId = project, Id = "g1", TraceId = "trace-g1", StartTime = at.AddSeconds(-40), CompletionStartTime = at.AddMilliseconds(-39_000),
        }));
        await WriteAsync(Batch(Generation(project, "g2", at, 300, streamed: true, "hit")));

        var buckets = await GenerationsAsync(api.KeyOf(project), Epoch, Epoch.AddHours(1));
        Assert.Equal(2, buckets.Count);
        Assert.Equal((Epoch.AddMinutes(9), 1L, 1L, 0L, 1L), Figures(buckets[0]!));
        TraceStatsEndpointTests.AssertNear(1_000, buckets[0]!["ttftP50Ms"]!.GetValue<double>());
        Assert.Equal((Epoch.AddMinutes(10), 1L, 1L, 1L, 1L), Figures(buckets[1]!));
        await using var scope = api.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        Assert.Equal(2, await db.GenerationRollups.Where(r => r.ProjectId == project).SumAsync(r => r.Generations));
    }

    private static (DateTime, long, long, long, long) Figures(JsonNode bucket) => (bucket["bucket"]!.GetValue<DateTime>().ToUniversalTime(),
        bucket["generations"]!.GetValue<long>(), bucket["cacheLookups"]!.GetValue<long>(), bucket["cacheHits"]!.GetValue<long>(), bucket["ttftCount"]!.GetValue<long>());

    /// <summary>300 generations over three hours of two projects, random TTFTs from 1 ms to 20 s, every cache status, some not streamed.</summary>
    private async Task<(string Project, string Other)> SeedRandomAsync(int seed)
    {
        var project = QueryApiFixture.NewProjectId();
        var other = QueryApiFixture.NewProjectId();
        var random = new Random(seed);
        var generations = Enumerable.Range(0, 300).Select(i =>
        {
            var start = Epoch.AddMilliseconds(random.Next(3 * 3_600_000));
            double? ttft = i % 9 == 0 ? null : Math.Exp(random.NextDouble() * Math.Log(20_000));
            return Generation(i % 4 == 0 ? other : project, $"g{i}", start, ttft, streamed: i % 5 != 0, CacheStatuses[i % CacheStatuses.Length]);
        }).ToList();
        foreach (var part in generations.Chunk(70))
            await WriteAsync(Batch(part));
        return (project, other);
    }

    /// <summary>What trace-stats should say about the window's generations, computed from the stored raw rows.</summary>
    private async Task AssertMatchesRawAsync(string project, DateTime from, DateTime to, string interval, TimeSpan step)
    {
        await using var scope = api.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var rows = await db.Observations.AsNoTracking()
            .Where(o => o.ProjectId == project && o.Type == ObservationTypes.Generation && o.StartTime >= from && o.StartTime < to).ToListAsync();
        Assert.NotEmpty(rows);
        var expected = rows.GroupBy(o => Floor(o.StartTime!.Value, step)).OrderBy(g => g.Key).ToList();

        var actual = await GenerationsAsync(api.KeyOf(project), from, to, interval);

        Assert.Equal(expected.Select(g => g.Key), actual.Select(b => b!["bucket"]!.GetValue<DateTime>().ToUniversalTime()));
        foreach (var (group, bucket) in expected.Zip(actual))
        {
            var statuses = group.Select(o => JsonNode.Parse(o.Metadata!)!["cacheStatus"]!.GetValue<string>()).ToList();
            Assert.Equal(group.Count(), bucket!["generations"]!.GetValue<long>());
            Assert.Equal(statuses.Count(s => s is "hit" or "semantic_hit" or "miss"), bucket["cacheLookups"]!.GetValue<long>());
            Assert.Equal(statuses.Count(s => s is "hit" or "semantic_hit"), bucket["cacheHits"]!.GetValue<long>());
            var ttfts = group.Where(o => o.CompletionStartTime is not null && JsonNode.Parse(o.Metadata!)!["streamed"]!.GetValue<bool>())
                .Select(o => (o.CompletionStartTime!.Value - o.StartTime!.Value).TotalMilliseconds).Order().ToArray();
            Assert.Equal(ttfts.Length, bucket["ttftCount"]!.GetValue<long>());
            RollupAsserts.Percentiles(ttfts, bucket, "TTFT", (50, "ttftP50Ms"), (95, "ttftP95Ms"));
        }
    }

    private static DateTime Floor(DateTime time, TimeSpan size) => RollupAsserts.Floor(time, size);

    [Theory]
    [InlineData("hour", 60)]
    [InlineData("minute", 1)]
    [InlineData("day", 1440)]
    public async Task Generation_stats_from_rollups_match_the_raw_rows_for_a_window_with_partial_minutes_at_both_edges(string interval, int minutes)
    {
        var (project, _) = await SeedRandomAsync(seed: minutes);

        await AssertMatchesRawAsync(project, Epoch.AddMinutes(7).AddSeconds(13.5), Epoch.AddHours(2).AddMinutes(41).AddSeconds(2), interval, TimeSpan.FromMinutes(minutes));
        await AssertMatchesRawAsync(project, Epoch.AddHours(-1), Epoch.AddHours(4), interval, TimeSpan.FromMinutes(minutes));
    }

    [Fact]
    public async Task The_backfill_rebuilds_the_same_generation_rollups_the_store_keeps()
    {
        var (project, other) = await SeedRandomAsync(seed: 33);
        var kept = await RollupsAsync(project, other);

        await using (var scope = api.Host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
            foreach (var statement in RollupBackfill.GenerationStatements(db.Database.IsNpgsql(), name => db.Database.Table(TraceCollectorDbContext.Schema, name)))
                await db.Database.ExecuteSqlRawAsync(statement);
        }

        Assert.Equal(kept, await RollupsAsync(project, other));
        await AssertMatchesRawAsync(project, Epoch, Epoch.AddHours(3), "hour", TimeSpan.FromHours(1));
    }

    private async Task<List<string>> RollupsAsync(params string[] projects)
    {
        await using var scope = api.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var rows = await db.GenerationRollups.AsNoTracking().Where(r => projects.Contains(r.ProjectId)).ToListAsync();
        Assert.NotEmpty(rows);
        return [.. rows.Select(r => $"{r.Minute:O} {r.ProjectId} {r.TtftBucket} {r.Generations} {r.CacheLookups} {r.CacheHits}").Order(StringComparer.Ordinal)];
    }
}
