using System.Net;
using System.Text.Json.Nodes;
using LlmOps.LlmSimulator.Text;

namespace LlmOps.LlmSimulator.Tests;

public class ChatCompletionTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    [Fact]
    public async Task The_same_request_always_gets_the_same_answer_and_usage()
    {
        var (_, first) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("Tell me about traces."));
        var (_, second) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("Tell me about traces."));
        var (_, other) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("Tell me about budgets."));

        Assert.Equal(Content(first!), Content(second!));
        Assert.Equal(first!["usage"]!.ToJsonString(), second!["usage"]!.ToJsonString());
        Assert.NotEqual(Content(first!), Content(other!));
        Assert.NotEqual(first!["id"]!.GetValue<string>(), second!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Usage_follows_the_documented_token_rule_exactly()
    {
        var (response, body) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("Hello, world!"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = body!["usage"]!;
        // 3 priming + 3 framing + "Hello" "," " world" "!" = 10.
        Assert.Equal(10, usage["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(SimTokenizer.Count(Content(body)), usage["completion_tokens"]!.GetValue<int>());
        Assert.Equal(usage["prompt_tokens"]!.GetValue<int>() + usage["completion_tokens"]!.GetValue<int>(), usage["total_tokens"]!.GetValue<int>());
        Assert.Equal("chat.completion", body["object"]!.GetValue<string>());
        Assert.Equal("sim-small", body["model"]!.GetValue<string>());
        Assert.Equal("stop", body["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cached_and_reasoning_tokens_are_reported_in_openai_detail_fields()
    {
        var (_, body) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("Explain [[sim:tokens=5]]"),
            ("x-sim-cached-tokens", "4"), ("x-sim-reasoning-tokens", "20"));

        var usage = body!["usage"]!;
        Assert.Equal(4, usage["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        Assert.Equal(20, usage["completion_tokens_details"]!["reasoning_tokens"]!.GetValue<int>());
        Assert.Equal(25, usage["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Max_tokens_cuts_the_answer_and_says_so()
    {
        var request = SimulatorFixture.Chat("Write a lot [[sim:tokens=30]]");
        request["max_tokens"] = 5;

        var (_, body) = await sim.PostAsync("/v1/chat/completions", request);

        Assert.Equal("length", body!["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(5, body["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(5, SimTokenizer.Count(Content(body)));
    }

    [Fact]
    public async Task Json_mode_answers_with_a_json_object()
    {
        var request = SimulatorFixture.Chat("Give me JSON");
        request["response_format"] = new JsonObject { ["type"] = "json_object" };

        var (_, body) = await sim.PostAsync("/v1/chat/completions", request);

        var parsed = JsonNode.Parse(Content(body!)) as JsonObject;
        Assert.NotNull(parsed);
        Assert.False(string.IsNullOrWhiteSpace(parsed["answer"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Scripted_answers_come_from_headers_directives_and_configured_rules()
    {
        var (_, fromHeader) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("anything"),
            ("x-sim-response", "b64:" + Convert.ToBase64String("Score: 4\nReason: grounded"u8.ToArray())));
        var (_, fromRule) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("What is the capital of France?"));
        var (_, echoed) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("say this back [[sim:echo]]"));

        Assert.Equal("Score: 4\nReason: grounded", Content(fromHeader!));
        Assert.Equal("Paris.", Content(fromRule!));
        Assert.Equal("say this back [[sim:echo]]", Content(echoed!));
    }

    [Fact]
    public async Task Injected_time_to_first_token_delays_the_answer()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (response, _) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("slow please"), ("x-sim-ttft-ms", "250"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.ElapsedMilliseconds >= 240, $"answered after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_required_tool_call_gets_arguments_that_fit_the_declared_parameters()
    {
        var request = SimulatorFixture.Chat("What is the weather in Oslo?");
        request["tools"] = new JsonArray(new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = "get_weather",
                ["parameters"] = JsonNode.Parse("""{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}"""),
            },
        });
        request["tool_choice"] = "required";

        var (_, body) = await sim.PostAsync("/v1/chat/completions", request);

        var choice = body!["choices"]![0]!;
        Assert.Equal("tool_calls", choice["finish_reason"]!.GetValue<string>());
        var call = choice["message"]!["tool_calls"]![0]!;
        Assert.Equal("get_weather", call["function"]!["name"]!.GetValue<string>());
        var arguments = JsonNode.Parse(call["function"]!["arguments"]!.GetValue<string>())!;
        Assert.Equal("sim", arguments["city"]!.GetValue<string>());
        Assert.Equal(1, arguments["days"]!.GetValue<int>());
    }

    [Fact]
    public async Task Malformed_json_and_missing_fields_get_openai_shaped_400s()
    {
        var malformed = await sim.Client.PostAsync("/v1/chat/completions", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        var (noModel, noModelBody) = await sim.PostAsync("/v1/chat/completions", new JsonObject { ["messages"] = new JsonArray() });

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("\"invalid_request_error\"", await malformed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, noModel.StatusCode);
        Assert.Equal("model", noModelBody!["error"]!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task Models_are_listed_in_openai_shape()
    {
        var body = JsonNode.Parse(await sim.Client.GetStringAsync("/v1/models"))!;

        Assert.Equal("list", body["object"]!.GetValue<string>());
        Assert.Contains(body["data"]!.AsArray(), m => m!["id"]!.GetValue<string>() == "sim-small");
    }

    internal static string Content(JsonObject completion) =>
        completion["choices"]![0]!["message"]!["content"]!.GetValue<string>();
}
