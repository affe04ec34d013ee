using System.ClientModel;
using System.Net;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using OpenAI.Chat;

namespace LlmOps.InferenceProxy.Tests;

public class UpstreamFailureTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private async Task<(HttpResponseMessage Response, JsonNode? Body, InferenceCompleted Inference)> SendAsync(JsonObject body)
    {
        using var client = gateway.Gateway.CreateClient();
        var response = await client.PostAsync("/v1/chat/completions", GatewayFixture.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        var inference = await gateway.Capture.ForTraceAsync(response.Headers.GetValues("x-llmops-trace-id").Single());
        return (response, text.Length > 0 ? JsonNode.Parse(text) : null, inference);
    }

    [Fact]
    public async Task An_upstream_rate_limit_reaches_the_sdk_as_a_429_with_retry_after()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.Chat("sim-small").CompleteChatAsync([new UserChatMessage("busy [[sim:fail=429]]")]));

        Assert.Equal(429, error.Status);
        Assert.True(error.GetRawResponse()!.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.Equal("1", retryAfter);
        error.GetRawResponse()!.Headers.TryGetValue("x-llmops-trace-id", out var traceId);
        var inference = await gateway.Capture.ForTraceAsync(traceId!);
        Assert.Equal(InferenceStatuses.UpstreamError, inference.Status);
        Assert.Equal("rate_limit_exceeded", inference.ErrorType);
        Assert.Equal(429, inference.HttpStatus);
    }

    [Fact]
    public async Task An_upstream_500_is_passed_on_with_its_openai_error_body()
    {
        var (response, body, inference) = await SendAsync(GatewayFixture.ChatBody("[[sim:fail=500]]"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("server_error", body!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(InferenceStatuses.UpstreamError, inference.Status);
    }

    [Theory]
    [InlineData("malformed")]
    [InlineData("error-body")]
    [InlineData("empty")]
    public async Task A_success_status_with_a_body_that_is_not_a_completion_is_a_502_not_a_success(string failure)
    {
        var (response, body, inference) = await SendAsync(GatewayFixture.ChatBody($"[[sim:fail={failure}]]"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_invalid_response", body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(InferenceStatuses.UpstreamError, inference.Status);
        Assert.Equal(502, inference.HttpStatus);
    }

    [Fact]
    public async Task An_upstream_that_does_not_answer_in_time_is_a_504_and_recorded_as_a_timeout()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (response, body, inference) = await SendAsync(GatewayFixture.ChatBody("[[sim:fail=timeout]]", model: "slow-model"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(InferenceStatuses.Timeout, inference.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task An_unreachable_upstream_is_a_502()
    {
        var (response, body, inference) = await SendAsync(GatewayFixture.ChatBody("anyone there?", model: "nowhere-model"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_unreachable", body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(InferenceStatuses.UpstreamError, inference.Status);
    }

    [Fact]
    public async Task An_upstream_refusing_the_provider_key_is_the_gateways_502_not_the_callers_401()
    {
        var (response, body, inference) = await SendAsync(GatewayFixture.ChatBody("who am I", model: "keyless-model"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_auth_failed", body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("upstream_auth_failed", inference.ErrorType);
    }
}
