using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.Testing;
using OpenAI.Chat;

namespace LlmOps.InferenceProxy.Tests;

public class ChatCompletionsTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task The_official_sdk_gets_the_upstream_answer_and_one_inference_event_describes_it()
    {
        using var direct = gateway.Simulator.CreateClient("sk-sim-provider-key");
        var expected = JsonNode.Parse(await (await direct.PostAsync("/v1/chat/completions",
            GatewayFixture.Json(GatewayFixture.ChatBody("What does the gateway record?")))).Content.ReadAsStringAsync())!;

        var result = await gateway.Chat("sim-small").CompleteChatAsync([new UserChatMessage("What does the gateway record?")]);

        var completion = result.Value;
        Assert.Equal(expected["choices"]![0]!["message"]!["content"]!.GetValue<string>(), completion.Content[0].Text);
        Assert.Equal(expected["usage"]!["prompt_tokens"]!.GetValue<int>(), completion.Usage.InputTokenCount);
        Assert.Equal(expected["usage"]!["completion_tokens"]!.GetValue<int>(), completion.Usage.OutputTokenCount);

        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("x-llmops-trace-id", out var traceId));
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.True(headers.TryGetValue("x-llmops-route", out var route));
        Assert.Equal("sim-small", route);
        Assert.True(headers.TryGetValue("x-llmops-deployment", out var deployment));
        Assert.Equal("sim", deployment);
        Assert.True(headers.TryGetValue("x-llmops-overhead-ms", out var overhead));
        Assert.True(double.Parse(overhead!, System.Globalization.CultureInfo.InvariantCulture) >= 0);

        var inference = await gateway.Capture.ForTraceAsync(traceId!);
        Assert.Equal(InferenceStatuses.Success, inference.Status);
        Assert.Equal("default", inference.ProjectId);
        Assert.Equal("admin", inference.KeyId);
        Assert.Equal("sim-small", inference.RequestedModel);
        Assert.Equal("sim-small", inference.ServedModel);
        Assert.Equal("sim", inference.Deployment);
        Assert.Equal("sim-small", inference.Route);
        Assert.Equal(1, inference.Attempts);
        Assert.Equal("openai", inference.Provider);
        Assert.Equal(InferenceOperations.Chat, inference.Operation);
        Assert.Equal(completion.Usage.InputTokenCount, inference.Usage.InputTokens);
        Assert.Equal(completion.Usage.OutputTokenCount, inference.Usage.OutputTokens);
        Assert.False(inference.Usage.Estimated);
        Assert.Equal("stop", inference.FinishReason);
        Assert.Equal(200, inference.HttpStatus);
        Assert.False(inference.Streamed);
        Assert.Matches("^[0-9a-f]{16}$", inference.SpanId);
        Assert.True(inference.LatencyMs > 0);
        Assert.True(inference.CompletedAt >= inference.StartedAt);
        Assert.Equal("What does the gateway record?", inference.Content!.Messages.Single().Content);
        Assert.Equal(completion.Content[0].Text, inference.Content.Completion);
    }

    [Fact]
    public async Task A_model_alias_is_sent_upstream_as_the_deployment_model()
    {
        var result = await gateway.Chat("my-alias").CompleteChatAsync([new UserChatMessage("alias me")]);

        Assert.Equal("sim-large", result.Value.Model);
        result.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var traceId);
        var inference = await gateway.Capture.ForTraceAsync(traceId!);
        Assert.Equal("my-alias", inference.RequestedModel);
        Assert.Equal("sim-large", inference.ServedModel);
        Assert.Equal("aliased", inference.Deployment);
    }

    [Fact]
    public async Task Tool_calls_pass_through_and_are_captured()
    {
        var tool = ChatTool.CreateFunctionTool("get_weather", "Weather for a city",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));
        var options = new ChatCompletionOptions { ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        options.Tools.Add(tool);

        var result = await gateway.Chat("sim-small").CompleteChatAsync([new UserChatMessage("Weather in Oslo?")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, result.Value.FinishReason);
        Assert.Equal("get_weather", result.Value.ToolCalls.Single().FunctionName);
        result.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var traceId);
        var inference = await gateway.Capture.ForTraceAsync(traceId!);
        Assert.Equal("tool_calls", inference.FinishReason);
        Assert.Contains("get_weather", inference.Content!.ToolCallsJson);
    }

    [Fact]
    public async Task Request_context_headers_reach_the_inference_event()
    {
        using var client = gateway.Gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = GatewayFixture.Json(GatewayFixture.ChatBody("context")) };
        request.Headers.Add("x-llmops-user", "user-42");
        request.Headers.Add("x-llmops-session", "session-7");
        request.Headers.Add("x-llmops-feature", "support-bot");
        request.Headers.Add("x-llmops-metadata", """{"tenant":"acme","tier":3}""");

        var response = await client.SendAsync(request);

        response.EnsureSuccessStatusCode();
        var inference = await gateway.Capture.ForTraceAsync(response.Headers.GetValues("x-llmops-trace-id").Single());
        Assert.Equal("user-42", inference.UserId);
        Assert.Equal("session-7", inference.SessionId);
        Assert.Equal("support-bot", inference.Feature);
        Assert.Equal("acme", inference.Metadata["tenant"]);
        Assert.Equal("3", inference.Metadata["tier"]);
        Assert.False(inference.IsEvaluatorTraffic);
    }

    [Fact]
    public async Task A_judge_call_marked_as_evaluator_traffic_says_so_in_its_inference_event()
    {
        using var client = gateway.Gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = GatewayFixture.Json(GatewayFixture.ChatBody("judge")) };
        request.Headers.Add("x-llmops-traffic", "evaluator");

        var response = await client.SendAsync(request);

        response.EnsureSuccessStatusCode();
        var inference = await gateway.Capture.ForTraceAsync(response.Headers.GetValues("x-llmops-trace-id").Single());
        Assert.True(inference.IsEvaluatorTraffic);
    }

    [Fact]
    public async Task A_caller_can_join_an_existing_trace_by_id_or_by_w3c_traceparent()
    {
        using var client = gateway.Gateway.CreateClient();
        var traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var explicitJoin = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = GatewayFixture.Json(GatewayFixture.ChatBody("join")) };
        explicitJoin.Headers.Add("x-llmops-trace-id", traceId);
        explicitJoin.Headers.Add("x-llmops-parent-span-id", "00f067aa0ba902b7");
        var w3cTrace = "0af7651916cd43dd8448eb211c80319c";
        using var w3cJoin = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = GatewayFixture.Json(GatewayFixture.ChatBody("join w3c")) };
        w3cJoin.Headers.Add("traceparent", $"00-{w3cTrace}-b7ad6b7169203331-01");

        var first = await client.SendAsync(explicitJoin);
        var second = await client.SendAsync(w3cJoin);

        Assert.Equal(traceId, first.Headers.GetValues("x-llmops-trace-id").Single());
        Assert.Equal("00f067aa0ba902b7", (await gateway.Capture.ForTraceAsync(traceId)).ParentSpanId);
        Assert.Equal(w3cTrace, second.Headers.GetValues("x-llmops-trace-id").Single());
        Assert.Equal("b7ad6b7169203331", (await gateway.Capture.ForTraceAsync(w3cTrace)).ParentSpanId);
    }

    [Fact]
    public async Task Every_request_gets_its_own_trace_when_it_names_none()
    {
        var first = await gateway.Chat("sim-small").CompleteChatAsync([new UserChatMessage("one")]);
        var second = await gateway.Chat("sim-small").CompleteChatAsync([new UserChatMessage("one")]);

        first.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var a);
        second.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var b);
        Assert.NotEqual(a, b);
        Assert.NotEqual((await gateway.Capture.ForTraceAsync(a!)).InferenceId, (await gateway.Capture.ForTraceAsync(b!)).InferenceId);
    }
}
