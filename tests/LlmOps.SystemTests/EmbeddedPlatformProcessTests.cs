using System.ClientModel;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Testing;
using OpenAI;
using OpenAI.Chat;

namespace LlmOps.SystemTests;

/// <summary>The foundation issue's "done when", literally: a fresh directory, the platform with no configuration, the SDK.</summary>
public class EmbeddedPlatformProcessTests
{
    private static HttpClient Client(Uri baseAddress, string? key)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<(JsonNode Trace, TimeSpan Waited)> WaitForTraceAsync(HttpClient client, string traceId)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            var response = await client.GetAsync($"/api/traces/{traceId}");
            if (response.StatusCode == HttpStatusCode.OK)
                return (JsonNode.Parse(await response.Content.ReadAsStringAsync())!, clock.Elapsed);
            await Task.Delay(10);
        }
        throw new TimeoutException($"trace {traceId} never appeared");
    }

    [Fact]
    public async Task From_an_empty_directory_the_platform_starts_serves_the_sdk_traces_it_refuses_bad_input_and_survives_a_restart()
    {
        var workingDirectory = Path.Combine(Path.GetTempPath(), "llmops-system", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(workingDirectory);
        string adminKey;
        string projectKey;
        string traceId;

        await using (var platform = await PlatformProcess.StartAsync(workingDirectory))
        {
            adminKey = platform.PrintedAdminKey() ?? throw new InvalidOperationException("No admin key was printed:\n" + string.Join('\n', platform.Output));
            Assert.StartsWith("llmops-admin-", adminKey);
            Assert.Equal(adminKey, (await File.ReadAllTextAsync(Path.Combine(workingDirectory, "data", "admin-key"))).Trim());
            projectKey = platform.PrintedProjectKey() ?? throw new InvalidOperationException("No project key was printed:\n" + string.Join('\n', platform.Output));
            Assert.StartsWith("llmops-sk-", projectKey);

            // The README's example, with the official SDK and the default project's key.
            var chat = new ChatClient("sim-small", new ApiKeyCredential(projectKey), new OpenAIClientOptions { Endpoint = new Uri(platform.BaseAddress, "v1") });
            var result = await chat.CompleteChatAsync([new UserChatMessage("Say hello to the platform.")]);
            Assert.False(string.IsNullOrWhiteSpace(result.Value.Content[0].Text));
            Assert.True(result.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var id));
            traceId = id!;

            using var admin = Client(platform.BaseAddress, adminKey);
            using var project = Client(platform.BaseAddress, projectKey);
            var (trace, waited) = await WaitForTraceAsync(project, traceId);
            TestContext.Current.SendDiagnosticMessage($"trace visible {waited.TotalMilliseconds:0} ms after the completion returned");
            Assert.Equal(result.Value.Content[0].Text, trace["output"]!.GetValue<string>());
            Assert.Equal("default", trace["projectId"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/traces/{traceId}")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await project.GetAsync("/api/keys")).StatusCode);

            // Bad input gets a clear 4xx, and the process keeps serving.
            var malformed = await admin.PostAsync("/v1/chat/completions", new StringContent("{\"model\":", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            Assert.Contains("invalid_json", await malformed.Content.ReadAsStringAsync());
            var unknownRoute = await admin.GetAsync("/api/no-such-thing");
            Assert.Equal(HttpStatusCode.NotFound, unknownRoute.StatusCode);
            using var anonymous = Client(platform.BaseAddress, null);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/traces/{traceId}")).StatusCode);
            using var wrong = Client(platform.BaseAddress, "llmops-admin-wrong-key-0000000000");
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync($"/api/traces/{traceId}")).StatusCode);
            var again = await chat.CompleteChatAsync([new UserChatMessage("Still serving?")]);
            Assert.False(string.IsNullOrWhiteSpace(again.Value.Content[0].Text));

            // Logs are JSON lines from Serilog (the one-time key banner aside).
            var logLines = platform.Output.Where(l => l.StartsWith('{')).ToList();
            Assert.NotEmpty(logLines);
            Assert.All(logLines, line =>
            {
                using var document = JsonDocument.Parse(line);
                Assert.Equal("platform", document.RootElement.GetProperty("Properties").GetProperty("service").GetString());
                Assert.True(document.RootElement.TryGetProperty("Level", out _));
            });
            Assert.DoesNotContain(platform.Output, l => l.StartsWith("stderr:", StringComparison.Ordinal) && l.Contains("Exception", StringComparison.Ordinal));

            Assert.Equal(0, await platform.StopAsync());
        }

        // A second start in the same directory: no new key, no banner, the same key works, the trace is still there.
        await using (var restarted = await PlatformProcess.StartAsync(workingDirectory))
        {
            Assert.Null(restarted.PrintedAdminKey());
            Assert.Null(restarted.PrintedProjectKey());
            Assert.DoesNotContain(restarted.Output, l => l.Contains(adminKey, StringComparison.Ordinal) || l.Contains(projectKey, StringComparison.Ordinal));
            using var admin = Client(restarted.BaseAddress, adminKey);
            using var project = Client(restarted.BaseAddress, projectKey);
            var (trace, _) = await WaitForTraceAsync(project, traceId);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/keys")).StatusCode);
            Assert.Equal(traceId, trace["id"]!.GetValue<string>());
            Assert.Equal(0, await restarted.StopAsync());
        }
    }
}
