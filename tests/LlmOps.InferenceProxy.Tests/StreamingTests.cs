using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.Testing;
using OpenAI.Chat;

namespace LlmOps.InferenceProxy.Tests;

public class StreamingTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private async Task<(string TraceId, List<string> Events)> RawStreamAsync(JsonObject body)
    {
        using var client = gateway.Gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = GatewayFixture.Json(body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                events.Add(line[6..]);
        }
        return (response.Headers.GetValues("x-llmops-trace-id").Single(), events);
    }

    [Fact]
    public async Task The_sdk_streams_through_the_gateway_and_usage_is_recorded_from_the_final_chunk()
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in gateway.Chat("sim-small").CompleteChatStreamingAsync([new UserChatMessage("Stream me [[sim:tokens=12]]")]))
        {
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
        }

        Assert.Equal(12, usage!.OutputTokenCount);
        // The SDK's streaming API does not expose response headers; find the event by its captured prompt (it is
        // published after the stream ends, so it may take a moment).
        var inference = await Eventually.UntilAsync(() => Task.FromResult(gateway.Capture.ByTraceId.Values
            .SingleOrDefault(i => i.Content?.Messages.FirstOrDefault()?.Content == "Stream me [[sim:tokens=12]]")),
            TimeSpan.FromSeconds(15), "the streamed inference's event");
        Assert.True(inference.Streamed);
        Assert.Equal(InferenceStatuses.Success, inference.Status);
        Assert.Equal(12, inference.Usage.OutputTokens);
        Assert.Equal(usage.InputTokenCount, inference.Usage.InputTokens);
        Assert.False(inference.Usage.Estimated);
        Assert.Equal(text.ToString(), inference.Content!.Completion);
        Assert.NotNull(inference.TimeToFirstTokenMs);
        Assert.True(inference.TimeToFirstTokenMs <= inference.LatencyMs);
    }

    [Fact]
    public async Task A_caller_that_did_not_ask_for_usage_gets_no_usage_chunk_but_the_gateway_still_records_usage()
    {
        var (traceId, events) = await RawStreamAsync(GatewayFixture.ChatBody("No usage for me [[sim:tokens=6]]", stream: true));

        Assert.Equal("[DONE]", events[^1]);
        Assert.All(events[..^1], e => Assert.NotEmpty(JsonNode.Parse(e)!["choices"]!.AsArray()));
        var inference = await gateway.Capture.ForTraceAsync(traceId);
        Assert.Equal(6, inference.Usage.OutputTokens);
        Assert.False(inference.Usage.Estimated);
    }

    [Fact]
    public async Task A_caller_that_asked_for_usage_gets_the_usage_chunk()
    {
        var body = GatewayFixture.ChatBody("Usage please [[sim:tokens=4]]", stream: true);
        body["stream_options"] = new JsonObject { ["include_usage"] = true };

        var (_, events) = await RawStreamAsync(body);

        var usageChunk = JsonNode.Parse(events[^2])!;
        Assert.Empty(usageChunk["choices"]!.AsArray());
        Assert.Equal(4, usageChunk["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Usage_on_the_last_chunk_that_still_carries_choices_is_taken()
    {
        var (traceId, _) = await RawStreamAsync(GatewayFixture.ChatBody("Provider style [[sim:usage=with-last-choice]] [[sim:tokens=9]]", stream: true));

        var inference = await gateway.Capture.ForTraceAsync(traceId);
        Assert.Equal(9, inference.Usage.OutputTokens);
        Assert.False(inference.Usage.Estimated);
    }

    [Fact]
    public async Task Without_any_usage_from_the_provider_the_gateway_estimates_and_says_so()
    {
        var (traceId, _) = await RawStreamAsync(GatewayFixture.ChatBody("Silent provider [[sim:usage=none]] [[sim:tokens=7]]", stream: true));

        var inference = await gateway.Capture.ForTraceAsync(traceId);
        Assert.True(inference.Usage.Estimated);
        Assert.Equal(7, inference.Usage.OutputTokens);
    }

    [Fact]
    public async Task An_upstream_that_breaks_mid_stream_breaks_the_client_stream_and_is_recorded_as_an_upstream_error()
    {
        using var client = gateway.Gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = GatewayFixture.Json(GatewayFixture.ChatBody("Cut me [[sim:fail=stream-cut]] [[sim:cut-after=2]] [[sim:tokens=30]]", stream: true)),
        };
        string? traceId = null;
        HttpStatusCode? status = null;

        var failure = await Record.ExceptionAsync(async () =>
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            traceId = response.Headers.GetValues("x-llmops-trace-id").Single();
            status = response.StatusCode;
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line)
                Assert.NotEqual("data: [DONE]", line);
        });

        // Either the cut reached the gateway before any byte (a clean 502), or mid-stream (the client's stream breaks).
        // Never a stream that ends as if it were complete.
        Assert.True(failure is IOException or HttpRequestException || status == HttpStatusCode.BadGateway,
            $"expected a broken stream or a 502, got {failure?.GetType().Name ?? status?.ToString()}");
        var inference = traceId is null
            ? await Eventually.UntilAsync(() => Task.FromResult(gateway.Capture.ByTraceId.Values
                .SingleOrDefault(i => i.Content?.Messages.FirstOrDefault()?.Content?.StartsWith("Cut me", StringComparison.Ordinal) == true)),
                TimeSpan.FromSeconds(15), "the cut stream's event")
            : await gateway.Capture.ForTraceAsync(traceId);
        Assert.Equal(InferenceStatuses.UpstreamError, inference.Status);
    }

    [Fact]
    public async Task A_client_that_hangs_up_mid_stream_is_recorded_with_its_partial_usage()
    {
        using var client = gateway.Gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = GatewayFixture.Json(GatewayFixture.ChatBody("Hang up on me [[sim:tokens=200]] [[sim:token-ms=20]]", stream: true)),
        };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var traceId = response.Headers.GetValues("x-llmops-trace-id").Single();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var read = 0;
        while (read < 6 && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                read++;
        }

        reader.Dispose();
        response.Dispose();

        var inference = await gateway.Capture.ForTraceAsync(traceId);
        Assert.Equal(InferenceStatuses.ClientDisconnected, inference.Status);
        Assert.True(inference.Usage.Estimated);
        Assert.InRange(inference.Usage.OutputTokens, 5, 199);
    }
}
