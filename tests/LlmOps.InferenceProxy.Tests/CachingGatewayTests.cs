using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.Testing;
using OpenAI.Chat;

namespace LlmOps.InferenceProxy.Tests;

/// <summary>The exact cache through the gateway: a project with a cache TTL, the simulator counting what reaches it.</summary>
public class CachingGatewayTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private async Task<string> CachingProjectKeyAsync(int ttlSeconds = 300)
    {
        using var admin = gateway.Gateway.CreateClient();
        var project = "cache-" + Guid.NewGuid().ToString("N")[..8];
        await admin.PostAsJsonAsync("/api/projects", new { id = project, name = project, cacheTtlSeconds = ttlSeconds });
        var issued = await admin.PostAsJsonAsync("/api/keys", new { projectId = project, name = "k" });
        return JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
    }

    private async Task<long> UpstreamCallsAsync() => await RoutingFixture.ChatCountAsync(gateway.Simulator);

    private async Task<(HttpResponseMessage Response, string Text)> PostAsync(string key, JsonObject body, string? cacheControl = null)
    {
        using var client = gateway.Gateway.CreateClient(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = GatewayFixture.Json(body) };
        if (cacheControl is not null)
            request.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    private static string CacheHeader(HttpResponseMessage response) => response.Headers.GetValues("x-llmops-cache").Single();

    [Fact]
    public async Task The_same_request_twice_is_answered_from_the_cache_without_reaching_the_upstream()
    {
        var key = await CachingProjectKeyAsync();
        var body = GatewayFixture.ChatBody("cache me " + Guid.NewGuid());
        var (first, firstText) = await PostAsync(key, body);
        var calls = await UpstreamCallsAsync();

        var (second, secondText) = await PostAsync(key, body);

        Assert.Equal("miss", CacheHeader(first));
        Assert.Equal("hit", CacheHeader(second));
        Assert.Equal(calls, await UpstreamCallsAsync());
        var a = JsonNode.Parse(firstText)!;
        var b = JsonNode.Parse(secondText)!;
        Assert.Equal(a["choices"]![0]!["message"]!["content"]!.GetValue<string>(), b["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal(a["usage"]!["total_tokens"]!.GetValue<int>(), b["usage"]!["total_tokens"]!.GetValue<int>());
        var hit = await gateway.Capture.ForTraceAsync(second.Headers.GetValues("x-llmops-trace-id").Single());
        Assert.Equal(CacheStatuses.Hit, hit.CacheStatus);
        Assert.Equal(0, hit.Attempts);
        Assert.Equal(CacheStatuses.Miss, (await gateway.Capture.ForTraceAsync(first.Headers.GetValues("x-llmops-trace-id").Single())).CacheStatus);
    }

    [Fact]
    public async Task A_different_temperature_tools_model_or_message_never_hits()
    {
        var key = await CachingProjectKeyAsync();
        var message = "variants " + Guid.NewGuid();
        await PostAsync(key, GatewayFixture.ChatBody(message));

        var warmer = GatewayFixture.ChatBody(message);
        warmer["temperature"] = 0.9;
        var withTools = GatewayFixture.ChatBody(message);
        withTools["tools"] = JsonNode.Parse("""[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}]""");

        Assert.Equal("miss", CacheHeader((await PostAsync(key, warmer)).Response));
        Assert.Equal("miss", CacheHeader((await PostAsync(key, withTools)).Response));
        Assert.Equal("miss", CacheHeader((await PostAsync(key, GatewayFixture.ChatBody(message, model: "sim-large"))).Response));
        Assert.Equal("miss", CacheHeader((await PostAsync(key, GatewayFixture.ChatBody(message + "!"))).Response));
    }

    [Fact]
    public async Task A_cached_answer_replays_as_a_stream_the_official_sdk_reads_and_a_streamed_one_answers_plain_requests()
    {
        var key = await CachingProjectKeyAsync();
        var chat = gateway.Chat("sim-small", key);
        var message = "stream from cache " + Guid.NewGuid() + " [[sim:tokens=40]]";
        var plain = await chat.CompleteChatAsync([new UserChatMessage(message)]);
        var calls = await UpstreamCallsAsync();

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(message)]))
        {
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
        }

        Assert.Equal(plain.Value.Content[0].Text, text.ToString());
        Assert.Equal(plain.Value.Usage.OutputTokenCount, usage!.OutputTokenCount);
        Assert.Equal(calls, await UpstreamCallsAsync());

        var streamedFirst = "streamed first " + Guid.NewGuid();
        var streamed = new StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(streamedFirst)]))
            foreach (var part in update.ContentUpdate)
                streamed.Append(part.Text);
        var fromCache = await chat.CompleteChatAsync([new UserChatMessage(streamedFirst)]);
        fromCache.GetRawResponse().Headers.TryGetValue("x-llmops-cache", out var status);
        Assert.Equal("hit", status);
        Assert.Equal(streamed.ToString(), fromCache.Value.Content[0].Text);
    }

    [Fact]
    public async Task Errors_and_streams_cut_short_are_never_cached()
    {
        var key = await CachingProjectKeyAsync();
        var failing = GatewayFixture.ChatBody("fail " + Guid.NewGuid() + " [[sim:fail=500]]");
        await PostAsync(key, failing);
        var (again, _) = await PostAsync(key, failing);
        Assert.Equal(HttpStatusCode.InternalServerError, again.StatusCode);
        Assert.Equal("miss", CacheHeader(again));

        // The same cut stream twice: had the first partial answer been kept, the second would be a hit.
        var cut = GatewayFixture.ChatBody("cut " + Guid.NewGuid() + " [[sim:fail=stream-cut]] [[sim:cut-after=3]] [[sim:token-ms=25]] [[sim:tokens=20]]", stream: true);
        Assert.Equal("miss", await StreamCacheHeaderAsync(key, cut));
        Assert.Equal("miss", await StreamCacheHeaderAsync(key, cut));
    }

    private async Task<string?> StreamCacheHeaderAsync(string key, JsonObject body)
    {
        using var client = gateway.Gateway.CreateClient(key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = GatewayFixture.Json(body) };
        string? header = null;
        await Record.ExceptionAsync(async () =>
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            header = response.Headers.TryGetValues("x-llmops-cache", out var values) ? values.Single() : null;
            await response.Content.ReadAsStringAsync();
        });
        return header;
    }

    [Fact]
    public async Task Cache_control_no_store_bypasses_the_cache_and_no_cache_refreshes_it()
    {
        var key = await CachingProjectKeyAsync();
        var body = GatewayFixture.ChatBody("control " + Guid.NewGuid());

        var bypass = await PostAsync(key, body, "no-store");
        var first = await PostAsync(key, body);
        var refreshed = await PostAsync(key, body, "no-cache");
        var hit = await PostAsync(key, body);

        Assert.Equal("bypass", CacheHeader(bypass.Response));
        Assert.Equal("miss", CacheHeader(first.Response));
        Assert.Equal("miss", CacheHeader(refreshed.Response));
        Assert.Equal("hit", CacheHeader(hit.Response));
    }

    [Fact]
    public async Task Projects_without_a_cache_ttl_and_other_projects_never_share_answers()
    {
        var cachingA = await CachingProjectKeyAsync();
        var cachingB = await CachingProjectKeyAsync();
        var notCaching = await CachingProjectKeyAsync(ttlSeconds: 0);
        var body = GatewayFixture.ChatBody("isolated " + Guid.NewGuid());
        await PostAsync(cachingA, body);

        var (other, _) = await PostAsync(cachingB, body);
        var (off, _) = await PostAsync(notCaching, body);

        Assert.Equal("miss", CacheHeader(other));
        Assert.False(off.Headers.Contains("x-llmops-cache"));
    }
}
