using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using OpenAI.Chat;

namespace LlmOps.InferenceProxy.Tests;

public class BadInputTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private async Task<(HttpResponseMessage Response, JsonNode Error)> PostAsync(HttpContent content, Action<HttpRequestMessage>? configure = null)
    {
        using var client = gateway.Gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = content };
        configure?.Invoke(request);
        var response = await client.SendAsync(request);
        return (response, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!);
    }

    [Fact]
    public async Task Malformed_json_is_an_openai_400()
    {
        var (response, error) = await PostAsync(new StringContent("{\"model\": \"sim-small\", \"messages\": [", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_json", error["code"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_missing_model_or_messages_is_a_400_naming_the_parameter_and_is_recorded_as_rejected()
    {
        var (noModel, noModelError) = await PostAsync(GatewayFixture.Json(new JsonObject { ["messages"] = new JsonArray() }));
        var (noMessages, noMessagesError) = await PostAsync(GatewayFixture.Json(new JsonObject { ["model"] = "sim-small" }));

        Assert.Equal(HttpStatusCode.BadRequest, noModel.StatusCode);
        Assert.Equal("model", noModelError["param"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, noMessages.StatusCode);
        Assert.Equal("messages", noMessagesError["param"]!.GetValue<string>());
        var inference = await gateway.Capture.ForTraceAsync(noMessages.Headers.GetValues("x-llmops-trace-id").Single());
        Assert.Equal(InferenceStatuses.Rejected, inference.Status);
    }

    [Fact]
    public async Task An_unknown_model_reaches_the_sdk_as_a_404_model_not_found()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.Chat("gpt-nonexistent").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.GetRawResponse()!.Content.ToString());
    }

    [Fact]
    public async Task A_wrong_key_reaches_the_sdk_as_a_401()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.Chat("sim-small", key: "sk-wrong-key-0123456789").CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413()
    {
        var (response, error) = await PostAsync(GatewayFixture.Json(GatewayFixture.ChatBody(new string('x', 100_000))));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", error["code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("x-llmops-trace-id", "not-a-trace-id")]
    [InlineData("x-llmops-trace-id", "00000000000000000000000000000000")]
    [InlineData("x-llmops-metadata", "[1,2]")]
    [InlineData("x-llmops-metadata", "{oops")]
    public async Task Malformed_context_headers_are_a_400_that_names_the_header(string header, string value)
    {
        var (response, error) = await PostAsync(GatewayFixture.Json(GatewayFixture.ChatBody("hi")), r => r.Headers.Add(header, value));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(header, error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task After_bad_requests_the_gateway_keeps_serving()
    {
        await PostAsync(new StringContent("garbage", Encoding.UTF8, "application/json"));

        var result = await gateway.Chat("sim-small").CompleteChatAsync([new UserChatMessage("still there?")]);

        Assert.NotEmpty(result.Value.Content[0].Text);
    }
}
