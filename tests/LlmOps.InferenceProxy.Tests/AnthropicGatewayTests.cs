using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.Testing;
using OpenAI;
using OpenAI.Chat;

namespace LlmOps.InferenceProxy.Tests;

/// <summary>The official OpenAI SDK against the gateway, the gateway against Anthropic's Messages API.</summary>
public class AnthropicGatewayTests(AnthropicFixture anthropic) : IClassFixture<AnthropicFixture>
{
    private ChatClient Chat() => new("claude-sonnet", new ApiKeyCredential(TestHost.AdminKey), new OpenAIClientOptions
    {
        Endpoint = new Uri(anthropic.Gateway.BaseAddress, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    private static ChatTool Weather() => ChatTool.CreateFunctionTool("get_weather", "Weather for a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    [Fact]
    public async Task A_chat_completion_is_translated_to_anthropic_and_its_answer_and_usage_back()
    {
        var result = await Chat().CompleteChatAsync([
            new SystemChatMessage("You are terse."),
            new UserChatMessage("Repeat after me: the gateway speaks two APIs [[sim:echo]] [[sim:cached-tokens=5]]"),
        ]);

        var completion = result.Value;
        Assert.Equal("Repeat after me: the gateway speaks two APIs [[sim:echo]] [[sim:cached-tokens=5]]", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal("claude-sim-sonnet", completion.Model);
        Assert.Equal(5, completion.Usage.InputTokenDetails.CachedTokenCount);
        result.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var traceId);
        var inference = await anthropic.Capture.ForTraceAsync(traceId!);
        Assert.Equal("anthropic", inference.Provider);
        Assert.Equal(completion.Usage.InputTokenCount, inference.Usage.InputTokens);
        Assert.Equal(5, inference.Usage.CachedInputTokens);
        Assert.True(inference.Usage.InputTokens > 5, "prompt tokens include the cache reads (OpenAI's convention)");
        Assert.Equal(completion.Usage.OutputTokenCount, inference.Usage.OutputTokens);
    }

    [Fact]
    public async Task Tool_calls_come_back_as_openai_tool_calls_and_a_tool_result_turn_is_accepted()
    {
        var options = new ChatCompletionOptions { ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        options.Tools.Add(Weather());

        var first = await Chat().CompleteChatAsync([new UserChatMessage("What is the weather in Oslo?")], options);
        var call = first.Value.ToolCalls.Single();
        var second = await Chat().CompleteChatAsync([
            new UserChatMessage("What is the weather in Oslo?"),
            new AssistantChatMessage(first.Value.ToolCalls),
            new ToolChatMessage(call.Id, "Sunny, 21 degrees"),
        ], new ChatCompletionOptions { Tools = { Weather() } });

        Assert.Equal(ChatFinishReason.ToolCalls, first.Value.FinishReason);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.StartsWith("toolu_", call.Id);
        Assert.Equal("sim", JsonNode.Parse(call.FunctionArguments.ToString())!["city"]!.GetValue<string>());
        Assert.Equal(ChatFinishReason.Stop, second.Value.FinishReason);
        Assert.NotEmpty(second.Value.Content[0].Text);
    }

    [Fact]
    public async Task A_streamed_answer_is_translated_chunk_by_chunk_with_usage_at_the_end()
    {
        var messages = new List<ChatMessage> { new UserChatMessage("Stream through the translator [[sim:tokens=9]]") };
        var whole = await Chat().CompleteChatAsync(messages);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in Chat().CompleteChatStreamingAsync(messages))
        {
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(whole.Value.Content[0].Text, text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal(9, usage!.OutputTokenCount);
        Assert.Equal(whole.Value.Usage.InputTokenCount, usage.InputTokenCount);
    }

    [Fact]
    public async Task A_streamed_tool_call_reassembles_from_anthropic_input_json_deltas()
    {
        var options = new ChatCompletionOptions { ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather") };
        options.Tools.Add(Weather());
        string? name = null;
        var arguments = new StringBuilder();
        ChatFinishReason? finish = null;

        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("Weather in Bergen, streamed")], options))
        {
            foreach (var toolUpdate in update.ToolCallUpdates)
            {
                name ??= toolUpdate.FunctionName;
                arguments.Append(toolUpdate.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= update.FinishReason;
        }

        Assert.Equal("get_weather", name);
        Assert.Equal("""{"city":"sim"}""", arguments.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Theory]
    [InlineData("429", 429, "rate_limit_exceeded")]
    [InlineData("503", 503, "overloaded_error")]
    [InlineData("500", 500, "api_error")]
    public async Task Anthropic_errors_reach_the_sdk_in_openai_shape_with_a_status_it_knows(string failure, int status, string code)
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Chat().CompleteChatAsync([new UserChatMessage($"fail please [[sim:fail={failure}]]")]));

        Assert.Equal(status, error.Status);
        var body = JsonNode.Parse(error.GetRawResponse()!.Content.ToString())!;
        Assert.Equal(code, body["error"]!["code"]!.GetValue<string>());
        error.GetRawResponse()!.Headers.TryGetValue("x-llmops-trace-id", out var traceId);
        Assert.Equal(InferenceStatuses.UpstreamError, (await anthropic.Capture.ForTraceAsync(traceId!)).Status);
    }

    [Fact]
    public async Task Embeddings_are_not_routed_to_a_provider_without_an_embeddings_api()
    {
        using var client = anthropic.Gateway.CreateClient();

        var response = await client.PostAsync("/v1/embeddings", GatewayFixture.Json(new JsonObject { ["model"] = "claude-sonnet", ["input"] = "x" }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("model_not_found", await response.Content.ReadAsStringAsync());
    }
}
