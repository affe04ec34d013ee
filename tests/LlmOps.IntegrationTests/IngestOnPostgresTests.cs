using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.IntegrationTests;

/// <summary>
/// The collector's SQL on PostgreSQL: an app's trace sent through <c>/api/ingest</c> (updates before creates, explicit
/// trace fields, a score) merges into one trace that the query API lists and shows, joined with the gateway's generation.
/// </summary>
[Collection(DistributedCollection.Name)]
public class IngestOnPostgresTests(DistributedFixture platform)
{
    private async Task<string> IssueKeyAsync(string project)
    {
        using var admin = platform.Proxy.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/projects", new { id = project, name = project })).StatusCode);
        var issued = await admin.PostAsJsonAsync("/api/keys", new { projectId = project, name = "app" });
        return JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
    }

    private static JsonObject Event(string type, JsonObject body) => new()
    {
        ["id"] = Guid.NewGuid().ToString("N"),
        ["type"] = type,
        ["body"] = body,
    };

    [Fact]
    public async Task An_app_trace_and_a_gateway_generation_merge_into_one_listed_trace_with_its_score()
    {
        var project = "ingest-" + Guid.NewGuid().ToString("N")[..8];
        var key = await IssueKeyAsync(project);
        using var collector = platform.Collector.CreateClient(key);
        await Eventually.TrueAsync(async () => (await collector.GetAsync("/api/traces")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "the collector to know the new key");

        using var gateway = platform.Proxy.CreateClient(key);
        var chat = await gateway.PostAsJsonAsync("/v1/chat/completions",
            new { model = "sim-small", messages = new[] { new { role = "user", content = "Where is order 7?" } } });
        chat.EnsureSuccessStatusCode();
        var traceId = chat.Headers.GetValues("x-llmops-trace-id").Single();

        var first = await collector.PostAsJsonAsync("/api/ingest", new JsonObject { ["batch"] = new JsonArray(
            Event("span-update", new JsonObject { ["id"] = "lookup", ["traceId"] = traceId, ["endTime"] = "2030-01-01T00:00:01Z", ["output"] = "[\"Order 7 shipped\"]" }),
            Event("trace-create", new JsonObject { ["id"] = traceId, ["name"] = "order bot", ["userId"] = "u-7", ["sessionId"] = "s-" + project })) });
        var second = await collector.PostAsJsonAsync("/api/ingest", new JsonObject { ["batch"] = new JsonArray(
            Event("span-create", new JsonObject { ["id"] = "lookup", ["traceId"] = traceId, ["name"] = "lookup", ["type"] = "retriever",
                ["startTime"] = "2030-01-01T00:00:00Z" }),
            Event("score-create", new JsonObject { ["id"] = "helpful-" + traceId, ["traceId"] = traceId, ["name"] = "helpful", ["value"] = 0.75 })) });
        Assert.Equal((HttpStatusCode)207, first.StatusCode);
        Assert.Equal((HttpStatusCode)207, second.StatusCode);

        var detail = await Eventually.UntilAsync(async () =>
        {
            var node = JsonNode.Parse(await collector.GetStringAsync($"/api/traces/{traceId}"))!;
            return node["observations"]!.AsArray().Count == 2 ? node : null;
        }, TimeSpan.FromSeconds(30), "the generation and the span in one trace");
        var list = JsonNode.Parse(await collector.GetStringAsync($"/api/traces?scoreName=helpful&scoreMin=0.5&userId=u-7"))!;

        Assert.Equal("order bot", detail["name"]!.GetValue<string>());
        var lookup = detail["observations"]!.AsArray().Single(o => o!["id"]!.GetValue<string>() == "lookup")!;
        Assert.Equal(("retrieval", "lookup"), (lookup["type"]!.GetValue<string>(), lookup["name"]!.GetValue<string>()));
        Assert.NotNull(lookup["endTime"]);
        var listed = Assert.Single(list["data"]!.AsArray())!;
        Assert.Equal(traceId, listed["id"]!.GetValue<string>());
        Assert.Equal(0.75, listed["scores"]![0]!["value"]!.GetValue<double>());
    }
}
