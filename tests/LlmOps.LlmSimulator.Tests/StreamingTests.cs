using System.Text.Json.Nodes;

namespace LlmOps.LlmSimulator.Tests;

public class StreamingTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    [Fact]
    public async Task Streamed_chunks_add_up_to_the_non_streamed_answer_and_usage_comes_last_without_choices()
    {
        var (_, whole) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("Stream this answer."));
        var request = SimulatorFixture.Chat("Stream this answer.");
        request["stream_options"] = new JsonObject { ["include_usage"] = true };

        var events = await sim.StreamAsync(request);

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        Assert.Equal("assistant", chunks[0]["choices"]![0]!["delta"]!["role"]!.GetValue<string>());
        var text = string.Concat(chunks.Where(c => c["choices"]!.AsArray().Count > 0)
            .Select(c => c["choices"]![0]!["delta"]!["content"]?.GetValue<string>() ?? ""));
        Assert.Equal(ChatCompletionTests.Content(whole!), text);

        var usageChunk = chunks[^1];
        Assert.Empty(usageChunk["choices"]!.AsArray());
        Assert.Equal(whole!["usage"]!.ToJsonString(), usageChunk["usage"]!.ToJsonString());
        Assert.Equal("stop", chunks[^2]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_include_usage_no_chunk_carries_usage()
    {
        var events = await sim.StreamAsync(SimulatorFixture.Chat("No usage please."));

        Assert.All(events[..^1], e => Assert.Null(JsonNode.Parse(e)!["usage"]));
    }

    [Fact]
    public async Task Usage_can_ride_on_the_last_chunk_that_still_has_choices()
    {
        var request = SimulatorFixture.Chat("Provider style [[sim:usage=with-last-choice]]");
        request["stream_options"] = new JsonObject { ["include_usage"] = true };

        var events = await sim.StreamAsync(request);

        var last = JsonNode.Parse(events[^2])!;
        Assert.Equal("stop", last["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.True(last["usage"]!["completion_tokens"]!.GetValue<int>() > 0);
        Assert.Single(events[..^1], e => JsonNode.Parse(e)!["usage"] is JsonObject);
    }

    [Fact]
    public async Task A_provider_that_sends_no_usage_can_be_simulated()
    {
        var request = SimulatorFixture.Chat("Silent provider");
        request["stream_options"] = new JsonObject { ["include_usage"] = true };

        var events = await sim.StreamAsync(request, ("x-sim-usage", "none"));

        Assert.All(events[..^1], e => Assert.IsNotType<JsonObject>(JsonNode.Parse(e)!["usage"]));
    }

    [Fact]
    public async Task Streamed_tool_calls_reassemble_into_the_same_arguments()
    {
        var request = SimulatorFixture.Chat("Look something up");
        request["tools"] = JsonNode.Parse("""[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"},"exact":{"type":"boolean"}}}}}]""");
        request["tool_choice"] = "required";

        var events = await sim.StreamAsync(request);

        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        var first = chunks[0]["choices"]![0]!["delta"]!["tool_calls"]![0]!;
        Assert.Equal("lookup", first["function"]!["name"]!.GetValue<string>());
        var arguments = string.Concat(chunks.Skip(1).Where(c => c["choices"]![0]!["delta"]!["tool_calls"] is not null)
            .Select(c => c["choices"]![0]!["delta"]!["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>()));
        Assert.Equal("""{"q":"sim","exact":true}""", arguments);
        Assert.Equal("tool_calls", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_cut_stream_breaks_the_connection_before_done()
    {
        var request = SimulatorFixture.Chat("Long answer [[sim:tokens=20]]");
        request["stream"] = true;
        using var message = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(request.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        message.Headers.Add("x-sim-fail", "stream-cut");
        message.Headers.Add("x-sim-cut-after", "3");

        // The reset may reach the client before or after it has read the headers; either way no [DONE] arrives.
        var failure = await Record.ExceptionAsync(async () =>
        {
            using var response = await sim.Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
            await SimulatorFixture.ReadEventsAsync(await response.Content.ReadAsStreamAsync());
        });

        Assert.True(failure is IOException or HttpRequestException, $"expected a broken connection, got {failure?.GetType().Name ?? "a complete stream"}");
    }
}
