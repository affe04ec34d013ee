using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Caching;
using LlmOps.Testing;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Tests;

/// <summary>The semantic cache: its store on its own, and through the gateway for a project that turned it on.</summary>
public class SemanticCacheTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private static CachedCompletion Answer(string text) => new("id", "sim-small", text, null, "stop", new TokenUsage { InputTokens = 3, OutputTokens = 2 });

    private static SemanticCache Store(ManualClock clock, int maxEntries = 100) =>
        new(Options.Create(new InferenceProxyOptions { Cache = new CacheOptions { SemanticMaxEntries = maxEntries } }), clock);

    [Fact]
    public void A_reworded_question_finds_the_answer_and_a_different_one_does_not()
    {
        var cache = Store(new ManualClock());
        cache.Add("p", LocalEmbedder.Embed("What is the capital of France?"), Answer("Paris"), TimeSpan.FromMinutes(5));

        Assert.Equal("Paris", cache.Find("p", LocalEmbedder.Embed("what's the capital of france"), 0.95)?.Answer.Content);
        Assert.Equal("Paris", cache.Find("p", LocalEmbedder.Embed("Hey, what is the capital of France, please?"), 0.95)?.Answer.Content);
        Assert.Null(cache.Find("p", LocalEmbedder.Embed("What is the capital of Germany?"), 0.95));
        Assert.Null(cache.Find("p", LocalEmbedder.Embed("Is France not the capital?"), 0.95));
        Assert.Null(cache.Find("other-partition", LocalEmbedder.Embed("What is the capital of France?"), 0.95));
    }

    [Fact]
    public void Entries_expire_and_the_oldest_go_first_beyond_the_bound()
    {
        var clock = new ManualClock();
        var cache = Store(clock, maxEntries: 2);
        cache.Add("p", LocalEmbedder.Embed("first question about invoices"), Answer("1"), TimeSpan.FromMinutes(5));
        cache.Add("p", LocalEmbedder.Embed("second question about refunds"), Answer("2"), TimeSpan.FromMinutes(1));
        cache.Add("p", LocalEmbedder.Embed("third question about shipping"), Answer("3"), TimeSpan.FromMinutes(5));

        Assert.Equal(2, cache.Count);
        Assert.Null(cache.Find("p", LocalEmbedder.Embed("first question about invoices"), 0.95));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(cache.Find("p", LocalEmbedder.Embed("second question about refunds"), 0.95));
        Assert.Equal("3", cache.Find("p", LocalEmbedder.Embed("third question about shipping"), 0.95)?.Answer.Content);
    }

    [Theory]
    [InlineData("""[{"role":"user","content":"hi there"}]""", null, "hi there")]
    [InlineData("""[{"role":"system","content":"be brief"},{"role":"user","content":"hi there"}]""", null, "hi there")]
    [InlineData("""[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]""", null, null)]
    [InlineData("""[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"assistant","content":"d"},{"role":"user","content":"e"}]""", null, null)]
    [InlineData("""[{"role":"user","content":"weather?"}]""", """[{"type":"function","function":{"name":"w"}}]""", null)]
    [InlineData("""[{"role":"assistant","tool_calls":[]},{"role":"tool","content":"x"},{"role":"user","content":"ok"}]""", null, null)]
    public void Only_short_tool_free_conversations_ending_in_a_user_question_are_matched(string messages, string? tools, string? expected)
    {
        var body = new JsonObject { ["model"] = "m", ["messages"] = JsonNode.Parse(messages) };
        if (tools is not null)
            body["tools"] = JsonNode.Parse(tools);

        Assert.Equal(expected, CachePolicy.SemanticQuestion(body, maxMessages: 4, maxChars: 4000));
    }

    private async Task<string> ProjectKeyAsync(bool semantic, string? embeddingModel = null, double threshold = 0.95)
    {
        using var admin = gateway.Gateway.CreateClient();
        var project = "semantic-" + Guid.NewGuid().ToString("N")[..8];
        var created = await admin.PostAsJsonAsync("/api/projects", new
        {
            id = project, name = project, cacheTtlSeconds = 300,
            semanticCache = semantic ? new { enabled = true, threshold, maxMessages = 4, embeddingModel } : null,
        });
        Assert.True(created.IsSuccessStatusCode);
        var issued = await admin.PostAsJsonAsync("/api/keys", new { projectId = project, name = "k" });
        return JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
    }

    private async Task<(string Cache, string Answer, InferenceCompleted Event)> AskAsync(string key, string question, double? temperature = null)
    {
        using var client = gateway.Gateway.CreateClient(key);
        var body = GatewayFixture.ChatBody(question);
        if (temperature is { } t)
            body["temperature"] = t;
        var response = await client.PostAsync("/v1/chat/completions", GatewayFixture.Json(body));
        response.EnsureSuccessStatusCode();
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!["message"]!["content"]!.GetValue<string>();
        var completed = await gateway.Capture.ForTraceAsync(response.Headers.GetValues("x-llmops-trace-id").Single());
        return (response.Headers.GetValues("x-llmops-cache").Single(), answer, completed);
    }

    [Fact]
    public async Task A_reworded_question_is_answered_from_the_semantic_cache_within_the_same_partition_only()
    {
        var key = await ProjectKeyAsync(semantic: true);
        var topic = "zorblax-" + Guid.NewGuid().ToString("N")[..6];
        var (_, original, _) = await AskAsync(key, $"How do I reset the {topic} password?");
        var calls = await RoutingFixture.ChatCountAsync(gateway.Simulator);

        var (status, answer, completed) = await AskAsync(key, $"hey, how can I reset the {topic} password??");
        var afterHit = await RoutingFixture.ChatCountAsync(gateway.Simulator);
        var (otherTemperature, _, _) = await AskAsync(key, $"hey, how can I reset the {topic} password??", temperature: 0.2);
        var (otherQuestion, _, _) = await AskAsync(key, $"How do I delete the {topic} account?");

        Assert.Equal("semantic-hit", status);
        Assert.Equal(original, answer);
        Assert.Equal(calls, afterHit);
        Assert.Equal(CacheStatuses.SemanticHit, completed.CacheStatus);
        Assert.Equal(0, completed.Attempts);
        Assert.Equal("miss", otherTemperature);
        Assert.Equal("miss", otherQuestion);
    }

    [Fact]
    public async Task A_project_without_the_semantic_cache_only_hits_exact_repeats()
    {
        var key = await ProjectKeyAsync(semantic: false);
        var topic = "quux-" + Guid.NewGuid().ToString("N")[..6];
        await AskAsync(key, $"How do I reset the {topic} password?");

        Assert.Equal("miss", (await AskAsync(key, $"how can I reset the {topic} password")).Cache);
        Assert.Equal("hit", (await AskAsync(key, $"How do I reset the {topic} password?")).Cache);
    }

    [Fact]
    public async Task An_embedding_deployment_embeds_the_question_and_its_call_is_published_as_a_child_of_the_chat()
    {
        var key = await ProjectKeyAsync(semantic: true, embeddingModel: "sim-embed", threshold: 0.9);
        var topic = "vexil-" + Guid.NewGuid().ToString("N")[..6];
        await AskAsync(key, $"How do I reset the {topic} password?");

        var (status, _, completed) = await AskAsync(key, $"how do I reset the {topic} password");

        Assert.Equal("semantic-hit", status);
        var embedding = await Eventually.UntilAsync(() => Task.FromResult(gateway.Capture.All.Values.FirstOrDefault(e => e.TraceId == completed.TraceId && e.Operation == InferenceOperations.Embeddings)),
            TimeSpan.FromSeconds(15), "the embedding call's event");
        Assert.Equal(completed.SpanId, embedding.ParentSpanId);
        Assert.Equal("sim-embed", embedding.RequestedModel);
        Assert.Equal("semantic-cache", embedding.Metadata["llmops.purpose"]);
        Assert.True(embedding.Usage.InputTokens > 0);
        Assert.Equal(completed.ProjectId, embedding.ProjectId);
    }

    [Fact]
    public async Task An_unreachable_embedding_deployment_leaves_the_request_served_without_the_semantic_cache()
    {
        var key = await ProjectKeyAsync(semantic: true, embeddingModel: "nowhere-model");
        var topic = "plonk-" + Guid.NewGuid().ToString("N")[..6];
        await AskAsync(key, $"How do I reset the {topic} password?");

        var (status, _, completed) = await AskAsync(key, $"how do I reset the {topic} password");

        Assert.Equal("miss", status);
        Assert.Equal(InferenceStatuses.Success, completed.Status);
    }
}
