using System.Net;
using System.Text.Json.Nodes;
using LlmOps.TraceCollector.Infrastructure;
using static LlmOps.TraceCollector.Tests.Query.Rows;

namespace LlmOps.TraceCollector.Tests.Query;

public class GetSessionEndpointTests(QueryApiFixture api) : IClassFixture<QueryApiFixture>
{
    private static List<string> TraceIds(JsonNode session) =>
        session["traces"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task A_session_lists_its_traces_oldest_first_with_totals_over_them()
    {
        var project = QueryApiFixture.NewProjectId();
        await api.SeedAsync(
            Trace(project, "second", Epoch.AddMinutes(5), userId: "bob", sessionId: "chat-1", end: Epoch.AddMinutes(6)),
            Observation(project, "second", "g2", model: "gpt-4o", inputTokens: 200, outputTokens: 20),
            Trace(project, "first", Epoch, userId: "alice", sessionId: "chat-1", end: Epoch.AddSeconds(3)),
            Observation(project, "first", "g1", model: "gpt-4o", inputTokens: 100, outputTokens: 10),
            Observation(project, "first", "r1", type: ObservationTypes.Retrieval),
            Trace(project, "third", Epoch.AddMinutes(9), userId: "alice", sessionId: "chat-1"),
            Trace(project, "anonymous", Epoch.AddMinutes(2), sessionId: "chat-1"),
            Trace(project, "elsewhere", Epoch.AddMinutes(1), userId: "carol", sessionId: "chat-2"),
            Observation(project, "elsewhere", "g3", inputTokens: 999, outputTokens: 999));
        using var client = api.KeyOf(project);

        var session = await QueryApiFixture.GetJsonAsync(client, "/api/sessions/chat-1");

        Assert.Equal("chat-1", session["id"]!.GetValue<string>());
        Assert.Equal(project, session["projectId"]!.GetValue<string>());
        Assert.Equal(["first", "anonymous", "second", "third"], TraceIds(session));
        Assert.Equal(4, session["traceCount"]!.GetValue<int>());
        Assert.Equal(300, session["totalInputTokens"]!.GetValue<long>());
        Assert.Equal(30, session["totalOutputTokens"]!.GetValue<long>());
        Assert.Equal(Epoch, session["firstTime"]!.GetValue<DateTime>().ToUniversalTime());
        Assert.Equal(Epoch.AddMinutes(9), session["lastTime"]!.GetValue<DateTime>().ToUniversalTime());
        Assert.Equal(["alice", "bob"], session["users"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.False(session["truncated"]!.GetValue<bool>());
        var first = session["traces"]![0]!;
        Assert.Equal(2, first["observationCount"]!.GetValue<int>());
        Assert.Equal(["gpt-4o"], first["models"]!.AsArray().Select(m => m!.GetValue<string>()));
    }

    [Fact]
    public async Task A_project_key_sees_only_its_own_projects_traces_of_a_shared_session_id()
    {
        var mine = QueryApiFixture.NewProjectId();
        var theirs = QueryApiFixture.NewProjectId();
        await api.SeedAsync(Trace(mine, "mine", Epoch, sessionId: "shared"), Trace(theirs, "theirs", Epoch, sessionId: "shared"),
            Trace(theirs, "only-theirs", Epoch, sessionId: "private"));
        using var client = api.KeyOf(mine);

        var shared = await QueryApiFixture.GetJsonAsync(client, $"/api/sessions/shared?projectId={theirs}");
        var foreign = await client.GetAsync("/api/sessions/private");

        Assert.Equal(["mine"], TraceIds(shared));
        Assert.Equal(1, shared["traceCount"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.DoesNotContain(theirs, await foreign.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_admin_names_the_project_of_a_session_with_projectId()
    {
        var first = QueryApiFixture.NewProjectId();
        var second = QueryApiFixture.NewProjectId();
        await api.SeedAsync(Trace(first, "one", Epoch, sessionId: "admin-view"), Trace(second, "two", Epoch, sessionId: "admin-view"));
        using var admin = api.Admin();

        var session = await QueryApiFixture.GetJsonAsync(admin, $"/api/sessions/admin-view?projectId={second}");

        Assert.Equal(second, session["projectId"]!.GetValue<string>());
        Assert.Equal(["two"], TraceIds(session));
    }

    [Fact]
    public async Task A_session_without_traces_is_a_404_problem()
    {
        using var admin = api.Admin();

        var response = await admin.GetAsync("/api/sessions/no-such-session");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("session_not_found", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"]!.GetValue<string>());
    }
}
