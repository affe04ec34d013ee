using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.LlmSimulator.Tests;

public class AnthropicMessagesTests
{
    private static HttpRequestMessage Request(string body, string? key = "sk-ant", string? version = "2023-06-01")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
            request.Headers.Add("x-api-key", key);
        if (version is not null)
            request.Headers.Add("anthropic-version", version);
        return request;
    }

    [Fact]
    public async Task Messages_answer_in_anthropics_shape_with_usage_that_excludes_cache_reads()
    {
        await using var host = await SimulatorHost.StartAsync(new Dictionary<string, string?> { ["Simulator:ApiKey"] = "sk-ant" });
        using var client = host.CreateClient(bearerKey: null);

        var response = await client.SendAsync(Request("""{"model":"claude","max_tokens":20,"system":"short","messages":[{"role":"user","content":"Hi [[sim:tokens=3]] [[sim:cached-tokens=4]]"}]}"""));
        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("message", message["type"]!.GetValue<string>());
        Assert.Equal("text", message["content"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("end_turn", message["stop_reason"]!.GetValue<string>());
        Assert.Equal(4, message["usage"]!["cache_read_input_tokens"]!.GetValue<int>());
        Assert.Equal(3, message["usage"]!["output_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_wrong_key_or_a_missing_version_header_is_refused_like_anthropic_does()
    {
        await using var host = await SimulatorHost.StartAsync(new Dictionary<string, string?> { ["Simulator:ApiKey"] = "sk-ant" });
        using var client = host.CreateClient(bearerKey: null);
        const string body = """{"model":"claude","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""";

        var wrongKey = await client.SendAsync(Request(body, key: "nope"));
        var noVersion = await client.SendAsync(Request(body, version: null));
        var noMaxTokens = await client.SendAsync(Request("""{"model":"claude","messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Contains("authentication_error", await wrongKey.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, noVersion.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noMaxTokens.StatusCode);
        Assert.Contains("max_tokens", await noMaxTokens.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_stream_uses_anthropics_named_events_in_order()
    {
        await using var host = await SimulatorHost.StartAsync();
        using var client = host.CreateClient(bearerKey: null);

        var response = await client.SendAsync(Request("""{"model":"claude","max_tokens":20,"stream":true,"messages":[{"role":"user","content":"Hi [[sim:tokens=2]]"}]}""", key: null));
        var events = (await response.Content.ReadAsStringAsync()).Split('\n')
            .Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l[7..]).ToList();

        Assert.Equal(["message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta",
            "content_block_stop", "message_delta", "message_stop"], events);
    }
}
