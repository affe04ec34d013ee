using System.Net;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Routing;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;

namespace LlmOps.InferenceProxy.Tests;

public class RoutingTests(RoutingFixture routing) : IClassFixture<RoutingFixture>
{
    private async Task<InferenceCompleted> EventOf(string traceId) => await routing.Capture.ForTraceAsync(traceId);

    [Fact]
    public async Task Weighted_routing_splits_traffic_by_weight_within_tolerance()
    {
        var served = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var (response, traceId) = await routing.ChatAsync("weighted-model", $"split {i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            served.Add((await EventOf(traceId)).Deployment!);
        }

        // Weights 9:1 → 90 % expected; ±4 standard deviations of a binomial over 300 draws is about ±7 points.
        var primaryShare = served.Count(d => d == "primary") / 300.0;
        Assert.InRange(primaryShare, 0.83, 0.97);
        Assert.Contains("secondary", served);
    }

    [Fact]
    public async Task A_failing_deployment_falls_back_to_the_next_and_the_event_counts_both_attempts()
    {
        var before = await RoutingFixture.ChatCountAsync(routing.Failing);

        var (response, traceId) = await routing.ChatAsync("fallback-model", "fall back please");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("primary", response.Headers.GetValues("x-llmops-deployment").Single());
        var inference = await EventOf(traceId);
        Assert.Equal(InferenceStatuses.Success, inference.Status);
        Assert.Equal("primary", inference.Deployment);
        Assert.Equal("fallback-model", inference.Route);
        Assert.Equal(2, inference.Attempts);
        Assert.Equal(before + 1, await RoutingFixture.ChatCountAsync(routing.Failing));
    }

    [Fact]
    public async Task A_stream_falls_back_when_the_first_deployment_fails_before_any_byte()
    {
        using var client = routing.Gateway.CreateClient();
        var body = new JsonObject
        {
            ["model"] = "fallback-model",
            ["stream"] = true,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "stream after fallback [[sim:tokens=5]]" }),
        };

        var response = await client.PostAsync("/v1/chat/completions", GatewayFixture.Json(body));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("data: [DONE]\n\n", text);
        Assert.Equal(2, (await EventOf(response.Headers.GetValues("x-llmops-trace-id").Single())).Attempts);
    }

    [Fact]
    public async Task A_rate_limited_deployment_is_retried_then_its_429_reaches_the_caller()
    {
        var before = await RoutingFixture.ChatCountAsync(routing.Limited);

        var (response, traceId) = await routing.ChatAsync("retry-model", "retry me");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("rate_limit_exceeded", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        Assert.NotNull(response.Headers.RetryAfter);
        var inference = await EventOf(traceId);
        Assert.Equal(3, inference.Attempts);
        Assert.Equal(InferenceStatuses.UpstreamError, inference.Status);
        Assert.Equal(before + 3, await RoutingFixture.ChatCountAsync(routing.Limited));
    }

    [Fact]
    public async Task An_unreachable_deployment_opens_its_circuit_is_skipped_and_comes_back_after_the_break()
    {
        var circuits = routing.Gateway.Services.GetRequiredService<DeploymentCircuits>();
        routing.Gate.Cut();
        var attempts = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            var (response, traceId) = await routing.ChatAsync("circuit-model", $"while cut {i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var inference = await EventOf(traceId);
            Assert.Equal("primary", inference.Deployment);
            attempts.Add(inference.Attempts);
        }

        Assert.Equal(2, attempts[0]);
        Assert.Equal(1, attempts[^1]);
        Assert.Equal(CircuitState.Open, circuits.State("flaky"));

        routing.Gate.Restore();
        await Eventually.TrueAsync(async () =>
        {
            var (_, traceId) = await routing.ChatAsync("circuit-model", "after restore");
            return (await EventOf(traceId)).Deployment == "flaky";
        }, TimeSpan.FromSeconds(15), "the half-open trial to succeed on the restored deployment");
        Assert.Equal(CircuitState.Closed, circuits.State("flaky"));
        var (_, next) = await routing.ChatAsync("circuit-model", "closed again");
        Assert.Equal("flaky", (await EventOf(next)).Deployment);
    }

    [Fact]
    public async Task Lowest_latency_routing_prefers_the_faster_deployment_once_both_are_measured()
    {
        for (var i = 0; i < 10; i++)
            await routing.ChatAsync("latency-model", $"warm {i}");
        var served = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var (_, traceId) = await routing.ChatAsync("latency-model", $"measured {i}");
            served.Add((await EventOf(traceId)).Deployment!);
        }

        Assert.True(served.Count(d => d == "primary") >= 32, $"primary (fast) served {served.Count(d => d == "primary")} of 40");
    }

    [Fact]
    public async Task Lowest_cost_routing_picks_the_cheaper_deployment()
    {
        for (var i = 0; i < 10; i++)
        {
            var (response, _) = await routing.ChatAsync("cost-model", $"cheap please {i}");
            Assert.Equal("secondary", response.Headers.GetValues("x-llmops-deployment").Single());
        }
    }

    [Fact]
    public async Task Complexity_routing_sends_easy_requests_to_the_small_model_and_hard_ones_to_the_large()
    {
        var (_, easy) = await routing.ChatAsync("complexity-model", "hi there");
        var hard = "Analyze step by step and compare the trade-offs of these two designs, then prove which one scales: "
            + string.Concat(Enumerable.Repeat("the service writes every trace to the database and the queue grows under load. ", 60));
        var tools = new JsonObject { ["tools"] = JsonNode.Parse("""[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{}}}}]""") };
        var (_, complex) = await routing.ChatAsync("complexity-model", hard, tools);

        Assert.Equal("small", (await EventOf(easy)).Deployment);
        Assert.Equal("sim-small", (await EventOf(easy)).ServedModel);
        Assert.Equal("large", (await EventOf(complex)).Deployment);
        Assert.Equal("sim-large", (await EventOf(complex)).ServedModel);
    }

    [Fact]
    public async Task An_azure_openai_deployment_is_called_with_its_deployment_path_api_version_and_model()
    {
        var (response, traceId) = await routing.ChatAsync("azure-model", "hello azure");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("my-azure-deployment", (await EventOf(traceId)).ServedModel);
    }

    [Fact]
    public async Task A_stream_that_breaks_after_its_first_bytes_is_never_retried()
    {
        using var client = routing.Gateway.CreateClient();
        var body = new JsonObject
        {
            ["model"] = "weighted-model",
            ["stream"] = true,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "[[sim:fail=stream-cut]] [[sim:cut-after=3]] [[sim:tokens=30]] [[sim:token-ms=5]]" }),
        };
        string? traceId = null;

        var failure = await Record.ExceptionAsync(async () =>
        {
            using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = GatewayFixture.Json(body) },
                HttpCompletionOption.ResponseHeadersRead);
            traceId = response.Headers.GetValues("x-llmops-trace-id").Single();
            await response.Content.ReadAsStringAsync();
        });

        Assert.NotNull(failure);
        Assert.NotNull(traceId);
        var inference = await EventOf(traceId);
        Assert.Equal(1, inference.Attempts);
        Assert.Equal(InferenceStatuses.UpstreamError, inference.Status);
    }

    [Fact]
    public async Task A_deployment_at_its_concurrency_limit_is_passed_over_for_the_fallback()
    {
        var first = routing.ChatAsync("capacity-model", "hold the slot [[sim:ttft-ms=600]]");
        await Task.Delay(150);
        var second = routing.ChatAsync("capacity-model", "the slot is taken [[sim:ttft-ms=100]]");

        var served = new[] { (await EventOf((await first).TraceId)).Deployment!, (await EventOf((await second).TraceId)).Deployment! };

        Assert.Equal(["single", "primary"], served);
        var (_, after) = await routing.ChatAsync("capacity-model", "free again");
        Assert.Equal("single", (await EventOf(after)).Deployment);
    }
}
