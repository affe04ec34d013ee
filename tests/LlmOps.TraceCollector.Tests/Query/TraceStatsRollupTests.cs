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
/// trace-stats reads per-minute rollups the trace store keeps as it writes: these tests write through the store itself
/// and hold every answer against the same figures computed from the raw rows (exact counts and means, percentiles within
/// the histogram's 2.2 %), including writes that are redelivered or change a trace later.
/// </summary>
public class TraceStatsRollupTests(QueryApiFixture api) : IClassFixture<QueryApiFixture>
{
    private static readonly string[] Features = ["search", "chat", ""];

    private async Task WriteAsync(TraceWriteBatch batch)
    {
        await using var scope = api.Host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TraceStore>().WriteAsync(batch, CancellationToken.None);
    }

    private static ObservationWrite Span(string project, string trace, DateTime start, DateTime? end, string? feature = null, bool error = false) => new()
    {
        ProjectId = project, Id = trace + "-span-" + start.Ticks, TraceId = trace, Type = "span", Name = "work", StartTime = start, EndTime = end,
        Feature = string.IsNullOrEmpty(feature) ? null : feature, Status = error ? "error" : "ok",
    };

    private static ScoreWrite ScoreOf(string project, string id, string name, double? value, DateTime at, string status = "ok") => new()
    {
        ProjectId = project, Id = id, Name = name, Value = value, DataType = "numeric", Source = "eval", Status = status, Timestamp = at,
    };

    /// <summary>400 traces over three hours of two projects (random starts, latencies from 1 ms to 20 s, some unfinished or failed, three features) and 300 scores.</summary>
    private async Task<(string Project, string Other)> SeedRandomAsync(int seed)
    {
        var project = QueryApiFixture.NewProjectId();
        var other = QueryApiFixture.NewProjectId();
        var random = new Random(seed);
        var batch = new TraceWriteBatch();
        for (var i = 0; i < 400; i++)
        {
            var owner = i % 4 == 0 ? other : project;
            var start = Epoch.AddMilliseconds(random.Next(3 * 3_600_000));
            var latency = Math.Exp(random.NextDouble() * Math.Log(20_000));
            DateTime? end = i % 17 == 0 ? null : start.AddMilliseconds(latency);
            batch.Observations.Add(Span(owner, $"t{i}", start, end, Features[i % 3], error: i % 7 == 0));
        }
        for (var i = 0; i < 300; i++)
            batch.Scores.Add(ScoreOf(i % 4 == 0 ? other : project, $"s{i}", i % 2 == 0 ? "faithfulness" : "relevance",
                i % 11 == 0 ? null : Math.Round(random.NextDouble(), 3), Epoch.AddMilliseconds(random.Next(3 * 3_600_000)), i % 13 == 0 ? "error" : "ok"));
        // Written in several batches, as ingestion would.
        foreach (var part in batch.Observations.Chunk(90))
        {
            var piece = new TraceWriteBatch();
            piece.Observations.AddRange(part);
            await WriteAsync(piece);
        }
        var scores = new TraceWriteBatch();
        scores.Scores.AddRange(batch.Scores);
        await WriteAsync(scores);
        return (project, other);
    }

    /// <summary>What trace-stats should say for the window, computed from the stored raw rows.</summary>
    private async Task AssertMatchesRawAsync(string project, DateTime from, DateTime to, string interval, TimeSpan step, string? groupBy = null)
    {
        await using var scope = api.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var traces = await db.Traces.AsNoTracking().Where(t => t.ProjectId == project && t.StartTime >= from && t.StartTime < to).ToListAsync();
        var scores = await db.Scores.AsNoTracking()
            .Where(s => s.ProjectId == project && s.Timestamp >= from && s.Timestamp < to && s.Status == "ok" && s.Value != null).ToListAsync();
        Assert.NotEmpty(traces);

        var url = $"/api/trace-stats?from={from:O}&to={to:O}&interval={interval}" + (groupBy is null ? "" : $"&groupBy={groupBy}");
        var stats = await QueryApiFixture.GetJsonAsync(api.KeyOf(project), url);

        AssertBuckets(traces, stats["data"]!.AsArray(), step);
        if (groupBy is not null)
        {
            var groups = stats["groups"]!.AsArray();
            var expected = traces.GroupBy(t => groupBy == "feature" ? t.Feature ?? "" : t.ProjectId).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            Assert.Equal(expected.Select(g => g.Key), groups.Select(g => g!["group"]!.GetValue<string>()));
            foreach (var (group, node) in expected.Zip(groups))
                AssertBuckets([.. group], node!["data"]!.AsArray(), step);
        }

        var expectedScores = scores.GroupBy(s => (Bucket: Floor(s.Timestamp, step), s.Name)).OrderBy(g => g.Key.Bucket).ThenBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => (g.Key.Bucket, g.Key.Name, g.Count(), Math.Round(g.Average(s => s.Value!.Value), 9))).ToList();
        var actualScores = stats["scores"]!.AsArray().Select(s => (s!["bucket"]!.GetValue<DateTime>().ToUniversalTime(), s["name"]!.GetValue<string>(),
            s["count"]!.GetValue<int>(), Math.Round(s["mean"]!.GetValue<double>(), 9))).ToList();
        Assert.Equal(expectedScores, actualScores);
    }

    private static void AssertBuckets(List<TraceRecord> traces, JsonArray data, TimeSpan step)
    {
        var expected = traces.GroupBy(t => Floor(t.StartTime, step)).OrderBy(g => g.Key).ToList();
        Assert.Equal(expected.Select(g => g.Key), data.Select(b => b!["bucket"]!.GetValue<DateTime>().ToUniversalTime()));
        foreach (var (group, bucket) in expected.Zip(data))
        {
            Assert.Equal(group.Count(), bucket!["traces"]!.GetValue<int>());
            Assert.Equal(group.Count(t => t.Status == "error"), bucket["errors"]!.GetValue<int>());
            var latencies = group.Where(t => t.EndTime is not null).Select(t => (t.EndTime!.Value - t.StartTime).TotalMilliseconds).Order().ToArray();
            RollupAsserts.Percentiles(latencies, bucket, "latency", (50, "latencyP50Ms"), (95, "latencyP95Ms"), (99, "latencyP99Ms"));
        }
    }

    private static DateTime Floor(DateTime time, TimeSpan size) => RollupAsserts.Floor(time, size);

    [Theory]
    [InlineData("hour", 60)]
    [InlineData("minute", 1)]
    [InlineData("day", 1440)]
    public async Task Stats_from_rollups_match_the_raw_rows_for_a_window_with_partial_minutes_at_both_edges(string interval, int minutes)
    {
        var (project, _) = await SeedRandomAsync(seed: minutes);

        await AssertMatchesRawAsync(project, Epoch.AddMinutes(7).AddSeconds(13.5), Epoch.AddHours(2).AddMinutes(41).AddSeconds(2), interval, TimeSpan.FromMinutes(minutes));
        await AssertMatchesRawAsync(project, Epoch.AddHours(-1), Epoch.AddHours(4), interval, TimeSpan.FromMinutes(minutes));
    }

    [Fact]
    public async Task Stats_grouped_by_feature_or_project_match_the_raw_rows_per_group()
    {
        var (project, _) = await SeedRandomAsync(seed: 5);

        await AssertMatchesRawAsync(project, Epoch.AddSeconds(30), Epoch.AddHours(3), "hour", TimeSpan.FromHours(1), groupBy: "feature");
        await AssertMatchesRawAsync(project, Epoch, Epoch.AddHours(3), "hour", TimeSpan.FromHours(1), groupBy: "project");
    }

    [Fact]
    public async Task A_window_inside_one_minute_is_read_from_the_raw_rows()
    {
        var (project, _) = await SeedRandomAsync(seed: 9);

        var busiest = await BusiestMinuteAsync(project);
        await AssertMatchesRawAsync(project, busiest.AddSeconds(5), busiest.AddSeconds(55), "minute", TimeSpan.FromMinutes(1));
    }

    private async Task<DateTime> BusiestMinuteAsync(string project)
    {
        await using var scope = api.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var starts = await db.Traces.Where(t => t.ProjectId == project).Select(t => t.StartTime).ToListAsync();
        return starts.GroupBy(RollupAccounting.Minute).OrderByDescending(g => g.Count()).First().Key;
    }

    [Fact]
    public async Task A_redelivered_batch_and_later_updates_move_a_traces_contribution_instead_of_counting_it_twice()
    {
        var project = QueryApiFixture.NewProjectId();
        var start = Epoch.AddMinutes(30).AddSeconds(10);
        var open = new TraceWriteBatch();
        open.Observations.Add(Span(project, "moving", start, null, "search"));
        open.Observations.Add(Span(project, "steady", start, start.AddMilliseconds(250), "chat"));
        open.Scores.Add(ScoreOf(project, "score", "faithfulness", 0.25, start));

        await WriteAsync(open);
        await WriteAsync(open);
        // Later: the trace finishes and fails, an earlier span moves its start into the minute before, the score is revised.
        var later = new TraceWriteBatch();
        later.Observations.Add(Span(project, "moving", start.AddSeconds(-20), start.AddSeconds(2), error: true));
        later.Scores.Add(ScoreOf(project, "score", "faithfulness", 0.75, start));
        await WriteAsync(later);
        await WriteAsync(later);

        var stats = await QueryApiFixture.GetJsonAsync(api.KeyOf(project),
            $"/api/trace-stats?from={Epoch:O}&to={Epoch.AddHours(1):O}&interval=minute&groupBy=feature");
        var data = stats["data"]!.AsArray();
        Assert.Equal(2, data.Count);
        Assert.Equal((Epoch.AddMinutes(29), 1, 1), (data[0]!["bucket"]!.GetValue<DateTime>().ToUniversalTime(), data[0]!["traces"]!.GetValue<int>(), data[0]!["errors"]!.GetValue<int>()));
        TraceStatsEndpointTests.AssertNear(22_000, data[0]!["latencyP50Ms"]!.GetValue<double>());
        Assert.Equal((Epoch.AddMinutes(30), 1, 0), (data[1]!["bucket"]!.GetValue<DateTime>().ToUniversalTime(), data[1]!["traces"]!.GetValue<int>(), data[1]!["errors"]!.GetValue<int>()));
        Assert.Equal(["chat", "search"], stats["groups"]!.AsArray().Select(g => g!["group"]!.GetValue<string>()));
        var score = Assert.Single(stats["scores"]!.AsArray())!;
        Assert.Equal((1, 0.75), (score["count"]!.GetValue<int>(), score["mean"]!.GetValue<double>()));

        await using var scope = api.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        Assert.Equal(2, await db.TraceRollups.Where(r => r.ProjectId == project).SumAsync(r => r.Traces));
    }

    [Fact]
    public async Task Concurrent_batches_sharing_minutes_and_traces_count_each_trace_once()
    {
        var project = QueryApiFixture.NewProjectId();
        // Eight writers at once, each with 60 traces of the same two minutes; neighbours share half their traces.
        var batches = Enumerable.Range(0, 8).Select(w =>
        {
            var batch = new TraceWriteBatch();
            for (var i = w * 30; i < w * 30 + 60; i++)
            {
                var start = Epoch.AddSeconds(i % 120);
                batch.Observations.Add(Span(project, $"c{i}", start, start.AddMilliseconds(100 + i), Features[i % 3]));
            }
            return batch;
        }).ToList();

        await Task.WhenAll(batches.Select(b => Task.Run(() => WriteAsync(b))));

        await AssertMatchesRawAsync(project, Epoch, Epoch.AddMinutes(5), "minute", TimeSpan.FromMinutes(1), groupBy: "feature");
        await using var scope = api.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        Assert.Equal(270, await db.TraceRollups.Where(r => r.ProjectId == project).SumAsync(r => r.Traces));
    }

    [Fact]
    public async Task A_score_that_stops_counting_leaves_its_minute_empty()
    {
        var project = QueryApiFixture.NewProjectId();
        var batch = new TraceWriteBatch();
        batch.Scores.Add(ScoreOf(project, "flaky", "relevance", 0.5, Epoch.AddMinutes(3)));
        await WriteAsync(batch);
        var failed = new TraceWriteBatch();
        failed.Scores.Add(ScoreOf(project, "flaky", "relevance", null, Epoch.AddMinutes(3), status: "error"));

        await WriteAsync(failed);

        await using var scope = api.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        Assert.False(await db.ScoreRollups.AnyAsync(r => r.ProjectId == project));
    }

    [Fact]
    public async Task The_backfill_rebuilds_the_same_rollups_the_store_keeps()
    {
        var (project, other) = await SeedRandomAsync(seed: 21);
        var kept = await RollupsAsync(project, other);

        await using (var scope = api.Host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
            foreach (var statement in RollupBackfill.Statements(db.Database.IsNpgsql(), name => db.Database.Table(TraceCollectorDbContext.Schema, name)))
                await db.Database.ExecuteSqlRawAsync(statement);
        }

        var rebuilt = await RollupsAsync(project, other);
        Assert.Equal(kept.Traces, rebuilt.Traces);
        Assert.Equal(kept.Scores.Select(s => (s.Key, s.Count)), rebuilt.Scores.Select(s => (s.Key, s.Count)));
        Assert.Equal(kept.Scores.Select(s => Math.Round(s.Sum, 9)), rebuilt.Scores.Select(s => Math.Round(s.Sum, 9)));
        await AssertMatchesRawAsync(project, Epoch, Epoch.AddHours(3), "hour", TimeSpan.FromHours(1));
    }

    private async Task<(List<string> Traces, List<(string Key, long Count, double Sum)> Scores)> RollupsAsync(params string[] projects)
    {
        await using var scope = api.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var traces = await db.TraceRollups.AsNoTracking().Where(r => projects.Contains(r.ProjectId)).ToListAsync();
        var scores = await db.ScoreRollups.AsNoTracking().Where(r => projects.Contains(r.ProjectId)).ToListAsync();
        // The histogram's text lists buckets in whatever order SQL aggregated them: compared as parsed counts.
        return (
            [.. traces.Select(r =>
            {
                var latency = new SortedDictionary<int, long>();
                LatencyHistogram.AddTo(latency, r.Latency);
                return $"{r.Minute:O} {r.ProjectId} {r.Feature} {r.Traces} {r.Errors} {LatencyHistogram.Format(latency)}";
            }).Order(StringComparer.Ordinal)],
            [.. scores.Select(s => ($"{s.Minute:O} {s.ProjectId} {s.Name}", s.Count, s.Sum)).OrderBy(s => s.Item1, StringComparer.Ordinal)]);
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.999, 0)]
    [InlineData(1.0, 1)]
    [InlineData(1.03, 1)]
    [InlineData(1.05, 2)]
    [InlineData(2.0, 17)]
    [InlineData(-5, LatencyHistogram.Untimed)]
    [InlineData(1e12, LatencyHistogram.Last)]
    public void Latencies_fall_in_log_spaced_buckets_of_sixteen_per_doubling(double milliseconds, int bucket) =>
        Assert.Equal(bucket, LatencyHistogram.Bucket(milliseconds));

    [Fact]
    public void Every_buckets_representative_is_within_its_stated_error_of_any_value_in_it()
    {
        for (var ms = 1.0; ms < 1e8; ms *= 1.0137)
        {
            var representative = LatencyHistogram.Representative(LatencyHistogram.Bucket(ms));
            Assert.True(Math.Abs(representative - ms) <= ms * 0.022, $"{ms} ms reads as {representative} ms");
        }
    }
}
