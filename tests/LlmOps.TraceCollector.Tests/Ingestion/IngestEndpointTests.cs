using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace LlmOps.TraceCollector.Tests.Ingestion;

/// <summary><c>POST /api/ingest</c> over real HTTP into SQLite: the batch envelope, its per-event answers and its edges.</summary>
public class IngestEndpointTests : IAsyncLifetime
{
    private CollectorHost _collector = null!;

    public async ValueTask InitializeAsync() =>
        _collector = await CollectorHost.StartAsync(new Dictionary<string, string?> { ["TraceCollector:MaxIngestBytes"] = "65536" });

    public async ValueTask DisposeAsync() => await _collector.DisposeAsync();

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static JsonObject Event(string type, JsonObject body, string? id = null) => new()
    {
        ["id"] = id ?? NewId(),
        ["type"] = type,
        ["timestamp"] = "2026-11-21T10:00:00Z",
        ["body"] = body,
    };

    private async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(JsonNode envelope, string key = CollectorHost.KeyOfA,
        string contentType = "application/json", bool gzip = false)
    {
        using var client = _collector.Host.CreateClient(key);
        var bytes = Encoding.UTF8.GetBytes(envelope.ToJsonString());
        return await SendAsync(client, bytes, contentType, gzip);
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpClient client, byte[] bytes, string contentType, bool gzip)
    {
        if (gzip)
        {
            using var compressed = new MemoryStream();
            await using (var zip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
                await zip.WriteAsync(bytes);
            bytes = compressed.ToArray();
        }
        using var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (gzip)
            content.Headers.ContentEncoding.Add("gzip");
        var response = await client.PostAsync("/api/ingest", content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    [Fact]
    public async Task A_trace_with_a_span_a_generation_an_event_and_a_score_is_stored_as_one_tree_and_answered_207()
    {
        var trace = NewId();
        var envelope = new JsonObject
        {
            ["batch"] = new JsonArray(
                Event("trace-create", new JsonObject { ["id"] = trace, ["name"] = "support chat", ["userId"] = "u-1", ["sessionId"] = "s-1",
                    ["input"] = "Where is my order?", ["metadata"] = new JsonObject { ["tier"] = "gold" } }),
                Event("span-create", new JsonObject { ["id"] = "retrieve-1", ["traceId"] = trace, ["name"] = "search orders", ["type"] = "RETRIEVER",
                    ["startTime"] = "2026-11-21T10:00:00Z", ["endTime"] = "2026-11-21T10:00:00.200Z",
                    ["output"] = new JsonArray(new JsonObject { ["id"] = "o-7", ["content"] = "Order 7 shipped Monday." }) }),
                Event("generation-create", new JsonObject { ["id"] = "gen-1", ["traceId"] = trace, ["parentObservationId"] = "retrieve-1",
                    ["name"] = "answer", ["model"] = "gpt-4o-mini", ["startTime"] = "2026-11-21T10:00:00.200Z",
                    ["usageDetails"] = new JsonObject { ["input"] = 80, ["output"] = 20, ["cache_read_input_tokens"] = 40 },
                    ["modelParameters"] = new JsonObject { ["temperature"] = 0.2 } }),
                Event("generation-update", new JsonObject { ["id"] = "gen-1", ["traceId"] = trace, ["endTime"] = "2026-11-21T10:00:01.500Z",
                    ["output"] = "It shipped on Monday." }),
                Event("event-create", new JsonObject { ["id"] = "evt-1", ["traceId"] = trace, ["name"] = "user typed", ["level"] = "WARNING" }),
                Event("score-create", new JsonObject { ["id"] = "score-1", ["traceId"] = trace, ["name"] = "helpful", ["value"] = 1 })),
        };

        var (status, body) = await PostAsync(envelope);

        Assert.Equal((HttpStatusCode)207, status);
        Assert.Equal(6, body!["successes"]!.AsArray().Count);
        Assert.Empty(body["errors"]!.AsArray());
        var (stored, observations, scores) = await _collector.ReadAsync("project-a", trace);
        Assert.Equal(("support chat", "u-1", "s-1", "Where is my order?"), (stored!.Name, stored.UserId, stored.SessionId, stored.Input));
        Assert.Contains("gold", stored.Metadata);
        var generation = observations.Single(o => o.Id == "gen-1");
        Assert.Equal(("generation", "retrieve-1", "gpt-4o-mini", "It shipped on Monday."),
            (generation.Type, generation.ParentId, generation.Model, generation.Output));
        Assert.Equal((120L, 20L, 40L), (generation.InputTokens!.Value, generation.OutputTokens!.Value, generation.CachedInputTokens!.Value));
        Assert.NotNull(generation.EndTime);
        Assert.Contains("temperature", generation.Metadata);
        Assert.Equal("retrieval", observations.Single(o => o.Id == "retrieve-1").Type);
        Assert.Equal("event", observations.Single(o => o.Id == "evt-1").Type);
        Assert.Equal(1, Assert.Single(scores).Value);
    }

    [Fact]
    public async Task An_update_that_arrives_before_its_create_merges_with_it_and_nothing_reported_is_lost()
    {
        var trace = NewId();
        await PostAsync(new JsonObject { ["batch"] = new JsonArray(
            Event("span-update", new JsonObject { ["id"] = "late", ["traceId"] = trace, ["endTime"] = "2026-11-21T10:00:05Z", ["output"] = "done" })) });
        await PostAsync(new JsonObject { ["batch"] = new JsonArray(
            Event("span-create", new JsonObject { ["id"] = "late", ["traceId"] = trace, ["name"] = "work", ["startTime"] = "2026-11-21T10:00:00Z",
                ["input"] = "todo" })) });

        var (_, observations, _) = await _collector.ReadAsync("project-a", trace);

        var span = Assert.Single(observations);
        Assert.Equal(("work", "todo", "done"), (span.Name, span.Input, span.Output));
        Assert.NotNull(span.StartTime);
        Assert.NotNull(span.EndTime);
    }

    [Fact]
    public async Task A_half_invalid_batch_stores_the_valid_events_and_says_what_was_wrong_with_each_other()
    {
        var trace = NewId();
        var envelope = new JsonObject
        {
            ["batch"] = new JsonArray(
                Event("span-create", new JsonObject { ["id"] = "ok-span", ["traceId"] = trace, ["name"] = "fine" }, id: "e-ok"),
                Event("span-create", new JsonObject { ["id"] = "no-trace" }, id: "e-no-trace"),
                Event("teleport-create", new JsonObject { ["id"] = "x" }, id: "e-type"),
                Event("span-create", new JsonObject { ["id"] = new string('x', 65), ["traceId"] = trace }, id: "e-long"),
                Event("span-create", new JsonObject { ["id"] = "bad-time", ["traceId"] = trace, ["startTime"] = "yesterday" }, id: "e-time"),
                Event("score-create", new JsonObject { ["id"] = "s", ["traceId"] = trace, ["name"] = "n" }, id: "e-score"),
                JsonValue.Create("not an event")),
        };

        var (status, body) = await PostAsync(envelope);

        Assert.Equal((HttpStatusCode)207, status);
        Assert.Equal(["e-ok"], body!["successes"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        var errors = body["errors"]!.AsArray().ToDictionary(e => e!["id"]!.GetValue<string>(), e => e!["message"]!.GetValue<string>());
        Assert.Contains("traceId", errors["e-no-trace"]);
        Assert.Contains("Unknown event type", errors["e-type"]);
        Assert.Contains("64", errors["e-long"]);
        Assert.Contains("ISO-8601", errors["e-time"]);
        Assert.Contains("value", errors["e-score"]);
        Assert.True(errors.ContainsKey("#6"));
        Assert.Equal(400, body["errors"]![0]!["status"]!.GetValue<int>());
        var (_, observations, _) = await _collector.ReadAsync("project-a", trace);
        Assert.Equal("ok-span", Assert.Single(observations).Id);
    }

    [Fact]
    public async Task The_same_event_and_the_same_entity_twice_never_make_duplicates()
    {
        var trace = NewId();
        var create = Event("span-create", new JsonObject { ["id"] = "once", ["traceId"] = trace, ["name"] = "first" }, id: "event-1");
        var envelope = new JsonObject { ["batch"] = new JsonArray(create.DeepClone(), create.DeepClone()) };

        await PostAsync(envelope);
        var (status, body) = await PostAsync(new JsonObject { ["batch"] = new JsonArray(create.DeepClone()) });

        Assert.Equal((HttpStatusCode)207, status);
        Assert.Single(body!["successes"]!.AsArray());
        var (stored, observations, _) = await _collector.ReadAsync("project-a", trace);
        Assert.NotNull(stored);
        Assert.Single(observations);
    }

    [Fact]
    public async Task The_project_comes_from_the_key_so_the_same_ids_under_two_keys_are_two_projects_data()
    {
        var trace = NewId();
        JsonObject Envelope(string name) => new() { ["batch"] = new JsonArray(
            Event("trace-create", new JsonObject { ["id"] = trace, ["name"] = name, ["projectId"] = "project-a" })) };

        await PostAsync(Envelope("A's"), CollectorHost.KeyOfA);
        await PostAsync(Envelope("B's"), CollectorHost.KeyOfB);

        Assert.Equal("A's", (await _collector.ReadAsync("project-a", trace)).Trace!.Name);
        Assert.Equal("B's", (await _collector.ReadAsync("project-b", trace)).Trace!.Name);
    }

    [Fact]
    public async Task A_gzip_body_is_read()
    {
        var trace = NewId();
        var envelope = new JsonObject { ["batch"] = new JsonArray(Event("trace-create", new JsonObject { ["id"] = trace, ["name"] = "zipped" })) };

        var (status, _) = await PostAsync(envelope, gzip: true);

        Assert.Equal((HttpStatusCode)207, status);
        Assert.Equal("zipped", (await _collector.ReadAsync("project-a", trace)).Trace!.Name);
    }

    [Fact]
    public async Task Oversized_bodies_are_refused_with_413_even_when_they_are_small_gzip_bombs()
    {
        var huge = new JsonObject { ["batch"] = new JsonArray(Event("trace-create", new JsonObject { ["id"] = NewId(), ["input"] = new string('a', 100_000) })) };

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsync(huge)).Status);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsync(huge, gzip: true)).Status);
    }

    [Theory]
    [InlineData("text/plain", "{\"batch\": []}", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json", "{\"batch\": [", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "{\"events\": []}", HttpStatusCode.BadRequest)]
    [InlineData("application/json", "[]", HttpStatusCode.BadRequest)]
    public async Task Malformed_envelopes_and_wrong_content_types_are_clear_errors(string contentType, string body, HttpStatusCode expected)
    {
        using var client = _collector.Host.CreateClient(CollectorHost.KeyOfA);

        var (status, error) = await SendAsync(client, Encoding.UTF8.GetBytes(body), contentType, gzip: false);

        Assert.Equal(expected, status);
        Assert.NotNull(error!["detail"]);
    }

    [Fact]
    public async Task The_admin_key_and_no_key_cannot_ingest()
    {
        var envelope = new JsonObject { ["batch"] = new JsonArray() };

        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(envelope, key: Testing.TestHost.AdminKey)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(envelope, key: "nobody-0123456789")).Status);
    }
}
