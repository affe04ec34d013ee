using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using OpenAI.Chat;

namespace LlmOps.InferenceProxy.Tests;

/// <summary>Key and project limits on one gateway (SQLite lease store); the cross-replica proof is in the integration tests.</summary>
public class RateLimitTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private static long Window() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60;

    private async Task<(string Project, string Key)> KeyAsync(object? keyLimits = null, object? projectLimits = null)
    {
        using var admin = gateway.Gateway.CreateClient();
        var project = "rl-" + Guid.NewGuid().ToString("N")[..8];
        var projectBody = new JsonObject { ["id"] = project, ["name"] = project };
        foreach (var (name, value) in JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(projectLimits ?? new { }))!.AsObject())
            projectBody[name] = value?.DeepClone();
        await admin.PostAsJsonAsync("/api/projects", projectBody);
        var keyBody = new JsonObject { ["projectId"] = project, ["name"] = "limited" };
        foreach (var (name, value) in JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(keyLimits ?? new { }))!.AsObject())
            keyBody[name] = value?.DeepClone();
        var issued = await admin.PostAsJsonAsync("/api/keys", keyBody);
        return (project, JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["key"]!.GetValue<string>());
    }

    private async Task<HttpResponseMessage> ChatAsync(string key, string message = "limited request")
    {
        using var client = gateway.Gateway.CreateClient(key);
        var response = await client.PostAsync("/v1/chat/completions", GatewayFixture.Json(GatewayFixture.ChatBody(message)));
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    [Fact]
    public async Task A_key_limited_to_n_requests_gets_n_then_429s_with_retry_after_and_openai_rate_limit_headers()
    {
        var (_, key) = await KeyAsync(new { requestsPerMinute = 5 });
        var startWindow = Window();
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++)
            responses.Add(await ChatAsync(key));
        var windows = Window() - startWindow + 1;

        var admitted = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.InRange(admitted, 5, 5 * windows);
        var refused = responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("5", refused.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("0", refused.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.EndsWith("s", refused.Headers.GetValues("x-ratelimit-reset-requests").Single());
        Assert.Equal("rate_limit_exceeded", JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(InferenceStatuses.RateLimited, (await gateway.Capture.ForTraceAsync(refused.Headers.GetValues("x-llmops-trace-id").Single())).Status);
        Assert.Equal("4", responses[0].Headers.GetValues("x-ratelimit-remaining-requests").Single());
    }

    [Fact]
    public async Task The_official_sdk_raises_its_rate_limit_error_when_the_key_is_out_of_requests()
    {
        var (_, key) = await KeyAsync(new { requestsPerMinute = 1 });
        var chat = gateway.Chat("sim-small", key);
        var startWindow = Window();
        await chat.CompleteChatAsync([new UserChatMessage("the one allowed")]);

        var error = await Record.ExceptionAsync(() => chat.CompleteChatAsync([new UserChatMessage("one too many")]));

        if (Window() == startWindow)
            Assert.Equal(429, Assert.IsType<ClientResultException>(error).Status);
    }

    [Fact]
    public async Task A_token_limit_is_charged_with_real_usage_and_refuses_once_spent()
    {
        var (_, key) = await KeyAsync(new { tokensPerMinute = 200 });
        var startWindow = Window();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
            statuses.Add((await ChatAsync(key, "a question of some length [[sim:tokens=30]]")).StatusCode);

        // Each request uses about 45 tokens (prompt plus 30 answer tokens): four or five fit in 200.
        if (Window() == startWindow)
        {
            Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 3, 6);
            Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        }
    }

    [Fact]
    public async Task A_project_limit_holds_across_all_its_keys()
    {
        var (project, first) = await KeyAsync(projectLimits: new { requestsPerMinute = 4 });
        using var admin = gateway.Gateway.CreateClient();
        var second = JsonNode.Parse(await (await admin.PostAsJsonAsync("/api/keys", new { projectId = project, name = "second" })).Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
        var startWindow = Window();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await ChatAsync(first)).StatusCode);
            statuses.Add((await ChatAsync(second)).StatusCode);
        }

        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 4, 4 * (Window() - startWindow + 1));
        var refused = await ChatAsync(second);
        if (Window() == startWindow)
            Assert.DoesNotContain("x-ratelimit-limit-requests", refused.Headers.Select(h => h.Key));
    }
}
