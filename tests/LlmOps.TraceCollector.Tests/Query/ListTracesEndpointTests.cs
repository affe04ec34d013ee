using System.Net;
using System.Text.Json.Nodes;
using static LlmOps.TraceCollector.Tests.Query.Rows;

namespace LlmOps.TraceCollector.Tests.Query;

public class ListTracesEndpointTests(QueryApiFixture api) : IClassFixture<QueryApiFixture>
{
    /// <summary>
    /// Four traces, each filter matching a known subset, plus a trace of another project that matches every filter
    /// (and must never appear, since the corpus is read with its project's key).
    /// </summary>
    private async Task<string> SeedCorpusAsync()
    {
        var project = QueryApiFixture.NewProjectId();
        var other = QueryApiFixture.NewProjectId();
        await api.SeedAsync(
            Trace(project, "a", Epoch.AddHours(1), userId: "u1", sessionId: "s1", feature: "chat",
                input: """[{"role":"user","content":"What is our Refund policy?"}]""", output: "Within 30 days."),
            Observation(project, "a", "a1", model: "gpt-4o", promptName: "support", promptVersion: 2),
            Score(project, "a-q", "quality", 0.9, traceId: "a"),
            Trace(project, "b", Epoch.AddHours(2), userId: "u2", sessionId: "s2", feature: "search", status: "error",
                input: "I am 100% sure_thing"),
            Observation(project, "b", "b1", model: "claude", promptName: "support", promptVersion: 3),
            Score(project, "b-q", "quality", 0.2, traceId: "b"),
            Trace(project, "c", Epoch.AddHours(3), userId: "u1", sessionId: "s1", feature: "chat",
                input: "hello", output: "Refund issued"),
            Observation(project, "c", "c1", model: "gpt-4o", promptName: "other", promptVersion: 2),
            Score(project, "c-t", "toxicity", 0.9, traceId: "c"),
            Trace(project, "d", Epoch.AddHours(4), input: "1000 sure things"),
            Trace(other, "lookalike", Epoch.AddHours(2), userId: "u1", sessionId: "s1", feature: "chat",
                input: "Refund 100% sure_thing"),
            Observation(other, "lookalike", "x1", model: "gpt-4o", promptName: "support", promptVersion: 2),
            Score(other, "x-q", "quality", 0.5, traceId: "lookalike"));
        return project;
    }

    private static List<string> Ids(JsonNode page) => page["data"]!.AsArray().Select(t => t!["id"]!.GetValue<string>()).ToList();

    [Theory]
    [InlineData("", "d,c,b,a")]
    [InlineData("from=2026-03-01T11:00:00Z", "d,c,b")]
    [InlineData("to=2026-03-01T11:00:00Z", "a")]
    [InlineData("from=2026-03-01T10:30:00%2B00:00&to=2026-03-01T12:00:00Z", "b")]
    [InlineData("model=gpt-4o", "c,a")]
    [InlineData("model=gpt-5", "")]
    [InlineData("promptName=support", "b,a")]
    [InlineData("promptName=support&promptVersion=2", "a")]
    [InlineData("promptName=other&promptVersion=3", "")]
    [InlineData("userId=u1", "c,a")]
    [InlineData("sessionId=s2", "b")]
    [InlineData("feature=chat", "c,a")]
    [InlineData("status=error", "b")]
    [InlineData("status=ok", "d,c,a")]
    [InlineData("scoreName=quality", "b,a")]
    [InlineData("scoreName=quality&scoreMin=0.5", "a")]
    [InlineData("scoreName=quality&scoreMax=0.5", "b")]
    [InlineData("scoreName=quality&scoreMin=0.2&scoreMax=0.2", "b")]
    [InlineData("scoreName=toxicity&scoreMax=0.5", "")]
    [InlineData("search=refund", "c,a")]
    [InlineData("search=REFUND%20POLICY", "a")]
    [InlineData("search=100%25", "b")]
    [InlineData("search=sure_thing", "b")]
    [InlineData("search=nowhere", "")]
    [InlineData("model=gpt-4o&userId=u1&status=ok&search=refund", "c,a")]
    public async Task Each_filter_keeps_exactly_the_matching_traces_of_the_callers_project(string query, string expected)
    {
        var project = await SeedCorpusAsync();
        using var client = api.KeyOf(project);

        var page = await QueryApiFixture.GetJsonAsync(client, "/api/traces?" + query);

        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries), Ids(page));
        Assert.All(page["data"]!.AsArray(), t => Assert.Equal(project, t!["projectId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_listed_trace_carries_previews_and_its_observation_token_model_and_score_aggregates()
    {
        var project = QueryApiFixture.NewProjectId();
        await api.SeedAsync(
            Trace(project, "t", Epoch, input: new string('i', 500), output: "short", end: Epoch.AddMilliseconds(1250)),
            Observation(project, "t", "o1", model: "gpt-4o", inputTokens: 100, outputTokens: 10),
            Observation(project, "t", "o2", model: "gpt-4o", inputTokens: 50, outputTokens: null),
            Observation(project, "t", "o3", model: "claude", inputTokens: 7, outputTokens: 3),
            Observation(project, "t", "o4", type: null),
            Score(project, "s1", "quality", 0.75, traceId: "t"),
            Score(project, "s2", "language", null, traceId: "t", observationId: "o1", label: "en"));
        using var client = api.KeyOf(project);

        var trace = (await QueryApiFixture.GetJsonAsync(client, "/api/traces"))["data"]![0]!;

        Assert.Equal(200, trace["inputPreview"]!.GetValue<string>().Length);
        Assert.Equal("short", trace["outputPreview"]!.GetValue<string>());
        Assert.Equal(1250, trace["latencyMs"]!.GetValue<double>(), 1);
        Assert.EndsWith("Z", trace["startTime"]!.GetValue<string>());
        Assert.Equal(4, trace["observationCount"]!.GetValue<int>());
        Assert.Equal(157, trace["totalInputTokens"]!.GetValue<long>());
        Assert.Equal(13, trace["totalOutputTokens"]!.GetValue<long>());
        Assert.Equal(["claude", "gpt-4o"], trace["models"]!.AsArray().Select(m => m!.GetValue<string>()));
        var scores = trace["scores"]!.AsArray();
        Assert.Equal(["language", "quality"], scores.Select(s => s!["name"]!.GetValue<string>()));
        Assert.Equal("en", scores[0]!["label"]!.GetValue<string>());
        Assert.Equal(0.75, scores[1]!["value"]!.GetValue<double>());
    }

    [Fact]
    public async Task Paging_through_120_traces_with_tied_start_times_visits_each_exactly_once_newest_first()
    {
        var project = QueryApiFixture.NewProjectId();
        // Forty distinct start times, three traces on each: pages of 7 regularly end in the middle of a tie.
        var traces = Enumerable.Range(0, 120).Select(i => Trace(project, $"t{i:D3}", Epoch.AddSeconds(i / 3))).ToList();
        await api.SeedAsync(traces);
        using var client = api.KeyOf(project);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await QueryApiFixture.GetJsonAsync(client, "/api/traces?limit=7" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(Ids(page));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        } while (cursor is not null && pages < 100);

        var expected = traces.OrderByDescending(t => t.StartTime).ThenByDescending(t => t.Id, StringComparer.Ordinal).Select(t => t.Id);
        Assert.Equal(expected, seen);
        Assert.Equal(18, pages);
    }

    [Fact]
    public async Task A_trace_arriving_between_pages_neither_shifts_nor_repeats_the_following_page()
    {
        var project = QueryApiFixture.NewProjectId();
        await api.SeedAsync(Enumerable.Range(0, 6).Select(i => Trace(project, $"t{i}", Epoch.AddMinutes(i))));
        using var client = api.KeyOf(project);

        var first = await QueryApiFixture.GetJsonAsync(client, "/api/traces?limit=3");
        await api.SeedAsync(Trace(project, "newest", Epoch.AddHours(1)));
        var second = await QueryApiFixture.GetJsonAsync(client, "/api/traces?limit=3&cursor=" + first["nextCursor"]!.GetValue<string>());

        Assert.Equal(["t5", "t4", "t3"], Ids(first));
        Assert.Equal(["t2", "t1", "t0"], Ids(second));
        Assert.Null(second["nextCursor"]);
    }

    [Fact]
    public async Task The_admin_pages_across_projects_that_reuse_trace_ids_and_start_times_without_losing_any()
    {
        var projects = new[] { QueryApiFixture.NewProjectId(), QueryApiFixture.NewProjectId() };
        var window = new DateTime(2031, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        await api.SeedAsync(projects.SelectMany(p => Enumerable.Range(0, 5).Select(i => Trace(p, $"same{i}", window))));
        using var admin = api.Admin();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await QueryApiFixture.GetJsonAsync(admin,
                "/api/traces?limit=3&from=2031-05-01&to=2031-05-02" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page["data"]!.AsArray().Select(t => t!["projectId"]!.GetValue<string>() + "/" + t["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        } while (cursor is not null && seen.Count <= 10);

        Assert.Equal(10, seen.Count);
        Assert.Equal(10, seen.Distinct().Count());
    }

    [Fact]
    public async Task A_project_key_lists_only_its_own_project_even_when_it_asks_for_another()
    {
        var mine = QueryApiFixture.NewProjectId();
        var theirs = QueryApiFixture.NewProjectId();
        await api.SeedAsync(Trace(mine, "mine", Epoch), Trace(theirs, "theirs", Epoch));
        using var client = api.KeyOf(mine);

        var own = await QueryApiFixture.GetJsonAsync(client, "/api/traces");
        var asked = await QueryApiFixture.GetJsonAsync(client, $"/api/traces?projectId={theirs}");

        Assert.Equal(["mine"], Ids(own));
        Assert.Equal(["mine"], Ids(asked));
    }

    [Fact]
    public async Task The_admin_lists_every_project_and_narrows_to_one_with_projectId()
    {
        var first = QueryApiFixture.NewProjectId();
        var second = QueryApiFixture.NewProjectId();
        var window = new DateTime(2032, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await api.SeedAsync(Trace(first, "one", window), Trace(second, "two", window.AddMinutes(1)));
        using var admin = api.Admin();

        var all = await QueryApiFixture.GetJsonAsync(admin, "/api/traces?from=2032-01-01&to=2032-01-02");
        var narrowed = await QueryApiFixture.GetJsonAsync(admin, $"/api/traces?from=2032-01-01&to=2032-01-02&projectId={first}");

        Assert.Equal(["two", "one"], Ids(all));
        Assert.Equal(["one"], Ids(narrowed));
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-45", "to")]
    [InlineData("from=2026-03-02&to=2026-03-01", "from")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=not-a-cursor!", "cursor")]
    [InlineData("cursor=e30", "cursor")]
    [InlineData("scoreMin=0.5", "scoreMin")]
    [InlineData("scoreMax=0.5", "scoreMax")]
    [InlineData("scoreName=quality&scoreMin=0.9&scoreMax=0.1", "scoreMin")]
    [InlineData("scoreName=quality&scoreMin=high", "scoreMin")]
    [InlineData("status=failed", "status")]
    [InlineData("promptVersion=2", "promptVersion")]
    [InlineData("promptName=support&promptVersion=v2", "promptVersion")]
    public async Task A_malformed_parameter_is_a_400_problem_naming_it(string query, string parameter)
    {
        using var admin = api.Admin();

        var response = await admin.GetAsync("/api/traces?" + query);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("invalid_query_parameter", problem["code"]!.GetValue<string>());
        Assert.Equal(parameter, problem["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_a_key_the_list_is_refused()
    {
        using var anonymous = api.Host.CreateClient(bearerKey: null);

        var response = await anonymous.GetAsync("/api/traces");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
