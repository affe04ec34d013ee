using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Platform;
using LlmOps.Testing;
using OpenAI;
using OpenAI.Chat;

namespace LlmOps.IntegrationTests;

/// <summary>The same path in embedded mode: one host, in-memory bus, SQLite, the built-in simulator as upstream.</summary>
public class EmbeddedPathTests : IAsyncLifetime
{
    private TestHost _platform = null!;
    private string _dataDirectory = "";

    public async ValueTask InitializeAsync()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N"));
        _platform = await TestHost.StartAsync(
            builder => builder.AddEmbeddedPlatform(),
            app => app.MapEmbeddedPlatform(),
            new Dictionary<string, string?>
            {
                // The embedded defaults, not the test host's: this is the platform as users run it.
                ["Messaging:Transport"] = null,
                ["Storage:Provider"] = null,
                ["Storage:DataDirectory"] = _dataDirectory,
            });
    }

    public async ValueTask DisposeAsync() => await _platform.DisposeAsync();

    [Fact]
    public async Task A_chat_completion_through_the_embedded_platform_is_traced_in_sqlite()
    {
        var chat = new ChatClient("sim-small", new ApiKeyCredential(TestHost.AdminKey),
            new OpenAIClientOptions { Endpoint = new Uri(_platform.BaseAddress, "v1") });

        var result = await chat.CompleteChatAsync([new UserChatMessage("Hello from embedded mode")]);

        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var traceId));
        using var client = _platform.CreateClient();
        var (trace, _) = await TraceApi.WaitForTraceAsync(client, traceId!, TimeSpan.FromSeconds(10));
        Assert.Equal(result.Value.Content[0].Text, trace["output"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(_dataDirectory, "trace-collector.db")));
    }

    [Fact]
    public async Task The_embedded_platform_runs_the_in_memory_bus_and_sqlite_and_reports_ready()
    {
        using var client = _platform.CreateClient(bearerKey: null);

        await Eventually.TrueAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), "readiness");
        var ready = JsonNode.Parse(await client.GetStringAsync("/health/ready"))!;
        var names = ready["checks"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("bus", names);
        Assert.Contains("trace-collector-database", names);
    }

    [Fact]
    public async Task The_simulator_is_mounted_under_its_own_prefix_and_the_gateway_owns_v1()
    {
        using var anonymous = _platform.CreateClient(bearerKey: null);

        var simulator = await anonymous.PostAsync("/simulator/v1/chat/completions",
            new StringContent("""{"model":"sim-small","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        var gateway = await anonymous.PostAsync("/v1/chat/completions",
            new StringContent("""{"model":"sim-small","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, simulator.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, gateway.StatusCode);
    }
}
