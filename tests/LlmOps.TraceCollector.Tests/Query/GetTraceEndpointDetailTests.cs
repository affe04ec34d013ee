using System.Net;
using System.Text.Json.Nodes;
using LlmOps.TraceCollector.Infrastructure;
using static LlmOps.TraceCollector.Tests.Query.Rows;

namespace LlmOps.TraceCollector.Tests.Query;

/// <summary>The tree order, depths and scores of <c>GET /api/traces/{id}</c> (its basics are in GetTraceEndpointTests).</summary>
public class GetTraceEndpointDetailTests(QueryApiFixture api) : IClassFixture<QueryApiFixture>
{
    private static string Ids(JsonNode trace, string field) =>
        string.Join(",", trace["observations"]!.AsArray().Select(o => o![field]!.ToString()));

    [Fact]
    public async Task Observations_come_parents_before_children_with_their_depth()
    {
        var project = QueryApiFixture.NewProjectId();
        // Start times alone would interleave the two branches; the tree keeps each branch together.
        await api.SeedAsync(
            Trace(project, "t", Epoch),
            Observation(project, "t", "root", Epoch, type: ObservationTypes.Agent),
            Observation(project, "t", "plan", Epoch.AddSeconds(1), parentId: "root"),
            Observation(project, "t", "tool", Epoch.AddSeconds(2), parentId: "root", type: ObservationTypes.Tool),
            Observation(project, "t", "plan-llm", Epoch.AddSeconds(3), parentId: "plan"),
            Observation(project, "t", "orphan", Epoch.AddSeconds(1.5), parentId: "not-arrived-yet"),
            Observation(project, "t", "late", start: null, type: null));
        using var client = api.KeyOf(project);

        var trace = await QueryApiFixture.GetJsonAsync(client, "/api/traces/t");

        Assert.Equal("root,plan,plan-llm,tool,orphan,late", Ids(trace, "id"));
        Assert.Equal("0,1,2,1,0,0", Ids(trace, "depth"));
        Assert.Equal("span", trace["observations"]![5]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Scores_sit_on_the_observation_they_name_and_the_rest_on_the_trace()
    {
        var project = QueryApiFixture.NewProjectId();
        await api.SeedAsync(
            Trace(project, "t", Epoch),
            Observation(project, "t", "gen", Epoch),
            Observation(project, "t", "retrieval", Epoch.AddSeconds(1), type: ObservationTypes.Retrieval),
            Score(project, "whole", "helpfulness", 0.8, traceId: "t"),
            Score(project, "on-gen", "faithfulness", 0.6, traceId: "t", observationId: "gen"),
            Score(project, "gen-only", "json_valid", 1, observationId: "gen"),
            Score(project, "on-missing", "relevance", 0.4, traceId: "t", observationId: "not-arrived-yet"),
            Trace(project, "other", Epoch),
            Score(project, "elsewhere", "helpfulness", 0.1, traceId: "other"));
        using var client = api.KeyOf(project);

        var trace = await QueryApiFixture.GetJsonAsync(client, "/api/traces/t");

        Assert.Equal(["helpfulness", "relevance"], trace["scores"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        var gen = trace["observations"]![0]!;
        Assert.Equal(["faithfulness", "json_valid"], gen["scores"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        Assert.Equal(0.6, gen["scores"]![0]!["value"]!.GetValue<double>());
        Assert.Empty(trace["observations"]![1]!["scores"]!.AsArray());
    }

    [Fact]
    public async Task A_project_key_sees_only_its_own_trace_and_scores_when_another_project_reuses_the_id()
    {
        var mine = QueryApiFixture.NewProjectId();
        var theirs = QueryApiFixture.NewProjectId();
        await api.SeedAsync(
            Trace(mine, "same", Epoch, input: "mine"), Score(mine, "m", "quality", 0.9, traceId: "same"),
            Trace(theirs, "same", Epoch, input: "theirs"), Score(theirs, "x", "quality", 0.1, traceId: "same"),
            Trace(theirs, "theirs-only", Epoch));
        using var client = api.KeyOf(mine);

        var trace = await QueryApiFixture.GetJsonAsync(client, $"/api/traces/same?projectId={theirs}");
        var foreign = await client.GetAsync("/api/traces/theirs-only");

        Assert.Equal(mine, trace["projectId"]!.GetValue<string>());
        Assert.Equal(0.9, Assert.Single(trace["scores"]!.AsArray())!["value"]!.GetValue<double>());
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }
}
