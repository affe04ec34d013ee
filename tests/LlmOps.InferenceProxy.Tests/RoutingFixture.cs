using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.InferenceProxy.Tests;

/// <summary>
/// The gateway over several upstreams: two healthy simulators (one slower), one that always fails with 500, one that
/// always answers 429, and one behind a TCP gate the tests cut and restore. Routes exercise every strategy, retries,
/// fallbacks and circuit breaking.
/// </summary>
public sealed class RoutingFixture : IAsyncLifetime
{
    public TestHost Fast { get; private set; } = null!;
    public TestHost Slow { get; private set; } = null!;
    public TestHost Failing { get; private set; } = null!;
    public TestHost Limited { get; private set; } = null!;
    public TestHost Gated { get; private set; } = null!;
    public TcpGate Gate { get; private set; } = null!;
    public TestHost Gateway { get; private set; } = null!;
    public InferenceCapture Capture { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Fast = await SimulatorHost.StartAsync();
        Slow = await SimulatorHost.StartAsync(new Dictionary<string, string?> { ["Simulator:TimeToFirstTokenMs"] = "40" });
        Failing = await SimulatorHost.StartAsync(new Dictionary<string, string?> { ["Simulator:FailureRate"] = "1", ["Simulator:FailureKind"] = "500" });
        Limited = await SimulatorHost.StartAsync(new Dictionary<string, string?> { ["Simulator:FailureRate"] = "1", ["Simulator:FailureKind"] = "429" });
        Gated = await SimulatorHost.StartAsync();
        Gate = new TcpGate("127.0.0.1", Gated.BaseAddress.Port);

        string V1(TestHost host) => new Uri(host.BaseAddress, "v1").ToString();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["InferenceProxy:Budgets:Enabled"] = "false", // no cost-accountant here: budgets are tested in the integration tests
            ["InferenceProxy:Retry:MaxAttempts"] = "3",
            ["InferenceProxy:Retry:BaseDelayMs"] = "20",
            ["InferenceProxy:Retry:MaxRetryAfterMs"] = "0",
            ["InferenceProxy:CircuitBreaker:MinimumThroughput"] = "4",
            ["InferenceProxy:CircuitBreaker:FailureRatio"] = "0.5",
            ["InferenceProxy:CircuitBreaker:SamplingDuration"] = "00:00:30",
            ["InferenceProxy:CircuitBreaker:BreakDuration"] = "00:00:01",
        };
        void Deployment(int index, string name, string baseUrl, Dictionary<string, string>? extra = null)
        {
            settings[$"InferenceProxy:Deployments:{index}:Name"] = name;
            settings[$"InferenceProxy:Deployments:{index}:BaseUrl"] = baseUrl;
            settings[$"InferenceProxy:Deployments:{index}:TimeoutSeconds"] = "5";
            foreach (var (key, value) in extra ?? [])
                settings[$"InferenceProxy:Deployments:{index}:{key}"] = value;
        }
        Deployment(0, "primary", V1(Fast), new() { ["Weight"] = "9", ["InputPricePerMillion"] = "10", ["OutputPricePerMillion"] = "30" });
        Deployment(1, "secondary", V1(Slow), new() { ["Weight"] = "1", ["InputPricePerMillion"] = "0.15", ["OutputPricePerMillion"] = "0.6" });
        Deployment(2, "failing", V1(Failing));
        Deployment(3, "limited", V1(Limited));
        Deployment(4, "flaky", $"http://127.0.0.1:{Gate.Port}/v1");
        Deployment(5, "small", V1(Fast), new() { ["UpstreamModel"] = "sim-small" });
        Deployment(6, "large", V1(Slow), new() { ["UpstreamModel"] = "sim-large" });
        Deployment(7, "azure", Fast.BaseAddress.ToString().TrimEnd('/'), new() { ["Provider"] = "azure-openai", ["UpstreamModel"] = "my-azure-deployment" });
        Deployment(8, "single", V1(Fast), new() { ["MaxConcurrentRequests"] = "1" });

        void Route(int index, string model, string strategy, string[] deployments, string[]? fallbacks = null)
        {
            settings[$"InferenceProxy:Routes:{index}:Model"] = model;
            settings[$"InferenceProxy:Routes:{index}:Strategy"] = strategy;
            for (var i = 0; i < deployments.Length; i++)
                settings[$"InferenceProxy:Routes:{index}:Deployments:{i}"] = deployments[i];
            for (var i = 0; i < (fallbacks ?? []).Length; i++)
                settings[$"InferenceProxy:Routes:{index}:Fallbacks:{i}"] = fallbacks![i];
        }
        Route(0, "weighted-model", "weighted", ["primary", "secondary"]);
        Route(1, "fallback-model", "weighted", ["failing"], ["primary"]);
        Route(2, "circuit-model", "weighted", ["flaky"], ["primary"]);
        Route(3, "retry-model", "weighted", ["limited"]);
        Route(4, "latency-model", "lowest-latency", ["secondary", "primary"]);
        Route(5, "cost-model", "lowest-cost", ["primary", "secondary"]);
        Route(6, "complexity-model", "complexity", ["small", "large"]);
        Route(7, "azure-model", "weighted", ["azure"]);
        Route(8, "capacity-model", "weighted", ["single"], ["primary"]);

        Gateway = await GatewayHost.StartAsync(Capture,
            settings);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Gate.DisposeAsync();
        foreach (var host in new[] { Fast, Slow, Failing, Limited, Gated })
            await host.DisposeAsync();
    }

    public async Task<(HttpResponseMessage Response, string TraceId)> ChatAsync(string model, string message = "hello", JsonObject? extra = null)
    {
        using var client = Gateway.CreateClient();
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = message }),
        };
        foreach (var (key, value) in extra ?? [])
            body[key] = value?.DeepClone();
        var response = await client.PostAsync("/v1/chat/completions", GatewayFixture.Json(body));
        await response.Content.LoadIntoBufferAsync();
        return (response, response.Headers.GetValues("x-llmops-trace-id").Single());
    }

    public static async Task<long> ChatCountAsync(TestHost simulator)
    {
        using var client = simulator.CreateClient(bearerKey: null);
        var stats = await client.GetFromJsonAsync<JsonObject>("/sim/stats");
        return stats!["chatCompletions"]!.GetValue<long>();
    }
}
