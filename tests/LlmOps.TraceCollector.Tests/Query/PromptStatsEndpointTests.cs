using System.Net;
using System.Text.Json.Nodes;
using static LlmOps.TraceCollector.Tests.Query.Rows;

namespace LlmOps.TraceCollector.Tests.Query;

public class PromptStatsEndpointTests(QueryApiFixture api) : IClassFixture<QueryApiFixture>
{
    private const string Window = "from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z";

    /// <summary>
    /// Prompt "support": v1 used by traces a and b (b failed; b has two v1 generations), v2 by trace c; scores: a 0.2 and b
    /// 0.6 faithfulness, c 1.0 faithfulness and 0.5 relevance, an erroring score on a (not a measurement). Another prompt
    /// on trace d, another project's v1 on trace x, and a v1 use outside the window must not count.
    /// </summary>
    private async Task<(string Project, string Other)> SeedAsync()
    {
        var project = QueryApiFixture.NewProjectId();
        var other = QueryApiFixture.NewProjectId();
        var at = Epoch;
        var failedUse = Observation(project, "b", "b1", at, promptName: "support", promptVersion: 1, inputTokens: 200, outputTokens: 20);
        failedUse.Status = "error";
        var erroring = Score(project, "s-err", "faithfulness", 0.0, traceId: "a");
        erroring.Status = "error";
        await api.SeedAsync(
            Trace(project, "a", at), Trace(project, "b", at), Trace(project, "c", at), Trace(project, "d", at), Trace(project, "old", at.AddDays(-3)),
            Observation(project, "a", "a1", at, promptName: "support", promptVersion: 1, inputTokens: 100, outputTokens: 10),
            failedUse,
            Observation(project, "b", "b2", at.AddSeconds(1), promptName: "support", promptVersion: 1, inputTokens: 50, outputTokens: 5),
            Observation(project, "c", "c1", at, promptName: "support", promptVersion: 2, inputTokens: 300, outputTokens: 30),
            Observation(project, "d", "d1", at, promptName: "billing", promptVersion: 1, inputTokens: 999, outputTokens: 99),
            Observation(project, "old", "old1", at.AddDays(-3), promptName: "support", promptVersion: 1, inputTokens: 7, outputTokens: 7),
            Score(project, "s-a", "faithfulness", 0.2, traceId: "a"), Score(project, "s-b", "faithfulness", 0.6, traceId: "b"),
            Score(project, "s-c", "faithfulness", 1.0, traceId: "c"), Score(project, "s-c2", "relevance", 0.5, traceId: "c"),
            Score(project, "s-d", "faithfulness", 0.0, traceId: "d"), Score(project, "s-old", "faithfulness", 0.0, traceId: "old"),
            erroring,
            Trace(other, "x", at), Observation(other, "x", "x1", at, promptName: "support", promptVersion: 1, inputTokens: 5, outputTokens: 5),
            Score(other, "s-x", "faithfulness", 0.0, traceId: "x"));
        return (project, other);
    }

    [Fact]
    public async Task Project_key_gets_requests_tokens_and_score_means_per_version_of_its_own_prompt()
    {
        var (project, _) = await SeedAsync();

        var stats = await QueryApiFixture.GetJsonAsync(api.KeyOf(project), $"/api/prompt-stats?name=support&{Window}");

        var data = stats["data"]!.AsArray();
        Assert.Equal([2, 1], data.Select(v => v!["version"]!.GetValue<int>()));
        var (v2, v1) = (data[0]!, data[1]!);
        Assert.Equal((3, 1, 350L, 35L), (v1["requests"]!.GetValue<int>(), v1["errors"]!.GetValue<int>(), v1["inputTokens"]!.GetValue<long>(),
            v1["outputTokens"]!.GetValue<long>()));
        var v1Score = Assert.Single(v1["scores"]!.AsArray())!;
        Assert.Equal(("faithfulness", 2), (v1Score["name"]!.GetValue<string>(), v1Score["count"]!.GetValue<int>()));
        Assert.Equal(0.4, v1Score["mean"]!.GetValue<double>(), 6);
        Assert.Equal(1, v2["requests"]!.GetValue<int>());
        Assert.Equal([("faithfulness", 1, 1.0), ("relevance", 1, 0.5)],
            v2["scores"]!.AsArray().Select(s => (s!["name"]!.GetValue<string>(), s["count"]!.GetValue<int>(), s["mean"]!.GetValue<double>())));
    }

    [Fact]
    public async Task Project_key_asking_for_another_project_still_sees_only_its_own()
    {
        var (project, other) = await SeedAsync();

        var stats = await QueryApiFixture.GetJsonAsync(api.KeyOf(other), $"/api/prompt-stats?name=support&{Window}&projectId={project}");

        var version = Assert.Single(stats["data"]!.AsArray())!;
        Assert.Equal(1, version["requests"]!.GetValue<int>());
        Assert.Equal(0.0, Assert.Single(version["scores"]!.AsArray())!["mean"]!.GetValue<double>());
    }

    [Fact]
    public async Task Admin_narrowed_to_a_project_sees_that_project_and_a_prompt_without_uses_has_no_versions()
    {
        var (project, _) = await SeedAsync();

        var stats = await QueryApiFixture.GetJsonAsync(api.Admin(), $"/api/prompt-stats?name=support&{Window}&projectId={project}");
        var none = await QueryApiFixture.GetJsonAsync(api.Admin(), $"/api/prompt-stats?name=never-used&{Window}&projectId={project}");

        Assert.Equal(4, stats["data"]!.AsArray().Sum(v => v!["requests"]!.GetValue<int>()));
        Assert.Empty(none["data"]!.AsArray());
    }

    [Theory]
    [InlineData("", "name")]
    [InlineData("name=", "name")]
    [InlineData("name=support&from=yesterday", "from")]
    [InlineData("name=support&to=soon", "to")]
    [InlineData("name=support&from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "to")]
    [InlineData("name=support&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    public async Task Malformed_query_is_a_problem_naming_the_parameter(string query, string parameter)
    {
        var response = await api.Admin().GetAsync($"/api/prompt-stats?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(parameter, problem["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_name_longer_than_any_prompt_is_a_problem()
    {
        var response = await api.Admin().GetAsync($"/api/prompt-stats?name={new string('n', 201)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Without_a_key_it_is_401()
    {
        var response = await api.Host.CreateClient(bearerKey: null).GetAsync("/api/prompt-stats?name=support");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
