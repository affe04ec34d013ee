using System.Net;
using System.Text.Json.Nodes;
using static LlmOps.TraceCollector.Tests.Query.Rows;

namespace LlmOps.TraceCollector.Tests.Query;

public class TraceStatsEndpointTests(QueryApiFixture api) : IClassFixture<QueryApiFixture>
{
    private const string Window = "from=2026-03-01T09:00:00Z&to=2026-03-01T11:00:00Z";

    /// <summary>
    /// Hour one: four traces of 100, 200, 300 and 400 ms, one failed, one unfinished; hour two: one trace of 50 ms.
    /// Scores: two faithfulness scores in hour one (0.2, 0.6), one erroring score (not a measurement). Another project
    /// holds a trace and a score in the same hour, which a project key must never count.
    /// </summary>
    private async Task<(string Project, string Other)> SeedAsync()
    {
        var project = QueryApiFixture.NewProjectId();
        var other = QueryApiFixture.NewProjectId();
        var hour = Epoch;
        var faithfulLow = Score(project, "s1", "faithfulness", 0.2, traceId: "a");
        var faithfulHigh = Score(project, "s2", "faithfulness", 0.6, traceId: "b");
        var failed = Score(project, "s3", "faithfulness", 0.0, traceId: "c");
        failed.Status = "error";
        await api.SeedAsync(
            Trace(project, "a", hour.AddMinutes(1), end: hour.AddMinutes(1).AddMilliseconds(100)),
            Trace(project, "b", hour.AddMinutes(2), end: hour.AddMinutes(2).AddMilliseconds(200), status: "error"),
            Trace(project, "c", hour.AddMinutes(3), end: hour.AddMinutes(3).AddMilliseconds(300)),
            Trace(project, "d", hour.AddMinutes(4), end: hour.AddMinutes(4).AddMilliseconds(400)),
            Trace(project, "open", hour.AddMinutes(5)),
            Trace(project, "e", hour.AddHours(1).AddMinutes(1), end: hour.AddHours(1).AddMinutes(1).AddMilliseconds(50)),
            Trace(project, "late", hour.AddHours(3)),
            faithfulLow, faithfulHigh, failed,
            Trace(other, "x", hour.AddMinutes(1), end: hour.AddMinutes(1).AddSeconds(9), status: "error"),
            Score(other, "x1", "faithfulness", 1.0, traceId: "x"));
        return (project, other);
    }

    [Fact]
    public async Task Project_key_gets_latency_percentiles_errors_and_score_means_per_hour_of_its_own_project()
    {
        var (project, _) = await SeedAsync();

        var stats = await QueryApiFixture.GetJsonAsync(api.KeyOf(project), $"/api/trace-stats?{Window}&interval=hour");

        var data = stats["data"]!.AsArray();
        Assert.Equal(2, data.Count);
        var first = data[0]!;
        Assert.Equal("2026-03-01T09:00:00Z", first["bucket"]!.GetValue<DateTime>().ToString("yyyy-MM-ddTHH:mm:ssZ"));
        Assert.Equal(5, first["traces"]!.GetValue<int>());
        Assert.Equal(1, first["errors"]!.GetValue<int>());
        Assert.Equal(0.2, first["errorRate"]!.GetValue<double>(), 6);
        // Percentiles come from the rollups' log-spaced histograms: within 2.2 % of the exact nearest rank.
        AssertNear(200, first["latencyP50Ms"]!.GetValue<double>());
        AssertNear(400, first["latencyP95Ms"]!.GetValue<double>());
        AssertNear(400, first["latencyP99Ms"]!.GetValue<double>());
        Assert.Equal(1, data[1]!["traces"]!.GetValue<int>());
        AssertNear(50, data[1]!["latencyP50Ms"]!.GetValue<double>());

        var score = Assert.Single(stats["scores"]!.AsArray())!;
        Assert.Equal("faithfulness", score["name"]!.GetValue<string>());
        Assert.Equal(2, score["count"]!.GetValue<int>());
        Assert.Equal(0.4, score["mean"]!.GetValue<double>(), 6);
    }

    [Fact]
    public async Task Project_key_asking_for_another_project_still_sees_only_its_own()
    {
        var (project, other) = await SeedAsync();

        var stats = await QueryApiFixture.GetJsonAsync(api.KeyOf(project), $"/api/trace-stats?{Window}&projectId={other}");

        Assert.Equal(6, stats["data"]!.AsArray().Sum(b => b!["traces"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Admin_narrowed_to_a_project_sees_that_project()
    {
        var (_, other) = await SeedAsync();

        var stats = await QueryApiFixture.GetJsonAsync(api.Admin(), $"/api/trace-stats?{Window}&interval=day&projectId={other}");

        var bucket = Assert.Single(stats["data"]!.AsArray())!;
        Assert.Equal(1, bucket["traces"]!.GetValue<int>());
        AssertNear(9000, bucket["latencyP99Ms"]!.GetValue<double>());
        Assert.Equal(1.0, Assert.Single(stats["scores"]!.AsArray())!["mean"]!.GetValue<double>(), 6);
    }

    [Fact]
    public async Task Score_means_per_minute_keep_each_minute_and_name_apart_and_leave_out_scores_outside_the_window()
    {
        var project = QueryApiFixture.NewProjectId();
        var atOne = Score(project, "m1", "relevance", 0.5);
        atOne.Timestamp = Epoch.AddMinutes(1).AddSeconds(59.9);
        var alsoAtOne = Score(project, "m2", "relevance", 1.0);
        alsoAtOne.Timestamp = Epoch.AddMinutes(1);
        var atTwo = Score(project, "m3", "relevance", 0.25);
        atTwo.Timestamp = Epoch.AddMinutes(2);
        var otherName = Score(project, "m4", "faithfulness", 0.75);
        otherName.Timestamp = Epoch.AddMinutes(2).AddSeconds(30);
        var before = Score(project, "m5", "relevance", 0.0);
        before.Timestamp = Epoch.AddSeconds(-1);
        await api.SeedAsync(atOne, alsoAtOne, atTwo, otherName, before);

        var stats = await QueryApiFixture.GetJsonAsync(api.Admin(), $"/api/trace-stats?{Window}&interval=minute&projectId={project}");

        var scores = stats["scores"]!.AsArray().Select(s => (
            Bucket: s!["bucket"]!.GetValue<DateTime>().ToUniversalTime().ToString("HH:mm"), Name: s["name"]!.GetValue<string>(),
            Count: s["count"]!.GetValue<int>(), Mean: Math.Round(s["mean"]!.GetValue<double>(), 6))).ToList();
        Assert.Equal([("09:01", "relevance", 2, 0.75), ("09:02", "faithfulness", 1, 0.75), ("09:02", "relevance", 1, 0.25)], scores);
    }

    [Theory]
    [InlineData("interval=week", "interval")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=tomorrow", "to")]
    [InlineData("from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "to")]
    [InlineData("from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval=day", "to")]
    [InlineData("from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=minute", "interval")]
    public async Task Malformed_query_is_a_problem_naming_the_parameter(string query, string parameter)
    {
        var response = await api.Admin().GetAsync($"/api/trace-stats?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(parameter, problem["param"]!.GetValue<string>());
    }

    internal static void AssertNear(double exact, double actual) =>
        Assert.True(Math.Abs(actual - exact) <= exact * 0.022, $"{actual} is not within 2.2 % of {exact}");

    [Fact]
    public async Task Without_a_key_it_is_401()
    {
        var response = await api.Host.CreateClient(bearerKey: null).GetAsync("/api/trace-stats");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
