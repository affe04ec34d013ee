using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace LlmOps.InferenceProxy.Tests;

/// <summary>Captures every InferenceCompleted the gateway publishes on its (in-memory) bus.</summary>
public sealed class InferenceCapture
{
    /// <summary>The caller's own request per trace (the gateway's side calls, such as a semantic-cache embedding, share it).</summary>
    public ConcurrentDictionary<string, InferenceCompleted> ByTraceId { get; } = new();

    /// <summary>Every event, side calls included.</summary>
    public ConcurrentDictionary<Guid, InferenceCompleted> All { get; } = new();

    public Task<InferenceCompleted> ForTraceAsync(string traceId) =>
        Eventually.UntilAsync(() => Task.FromResult(ByTraceId.GetValueOrDefault(traceId)), TimeSpan.FromSeconds(15),
            $"InferenceCompleted for trace {traceId}");
}

/// <summary>inference-proxy composed as its Program.cs composes it, plus a consumer that captures its events.</summary>
public static class GatewayHost
{
    public static Task<TestHost> StartAsync(InferenceCapture capture, Dictionary<string, string?> settings) =>
        TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults("inference-proxy");
                builder.AddInferenceProxy();
                builder.Services.AddSingleton(capture);
                builder.AddServiceConsumer<InferenceCaptureConsumer>("test");
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapInferenceProxyEndpoints();
            },
            settings);
}

public sealed class InferenceCaptureConsumer(InferenceCapture capture) : IConsumer<InferenceCompleted>, IConsumer<InferenceCompletedBatch>
{
    public Task Consume(ConsumeContext<InferenceCompleted> context)
    {
        Capture(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<InferenceCompletedBatch> context)
    {
        foreach (var inference in context.Message.Inferences)
            Capture(inference);
        return Task.CompletedTask;
    }

    private void Capture(InferenceCompleted inference)
    {
        capture.All[inference.InferenceId] = inference;
        if (!inference.Metadata.ContainsKey("llmops.purpose"))
            capture.ByTraceId[inference.TraceId] = inference;
    }
}

/// <summary>
/// The gateway in front of the LLM simulator (which demands a provider key, as real providers do), over real HTTP.
/// Deployments: <c>sim</c> (sim-small, sim-large, sim-embed), <c>aliased</c> (my-alias → sim-large), <c>slow</c>
/// (1 s timeout), <c>keyless</c> (no provider key), <c>nowhere</c> (a closed port).
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string ProviderKeyVariable = "LLMOPS_TEST_SIM_PROVIDER_KEY";
    private const string ProviderKey = "sk-sim-provider-key";

    public TestHost Simulator { get; private set; } = null!;
    public TestHost Gateway { get; private set; } = null!;
    public InferenceCapture Capture { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable(ProviderKeyVariable, ProviderKey);
        Simulator = await SimulatorHost.StartAsync(new Dictionary<string, string?>
        {
            ["Simulator:ApiKey"] = ProviderKey,
            ["Simulator:HangMs"] = "10000",
        });
        var upstream = new Uri(Simulator.BaseAddress, "v1").ToString();
        Gateway = await GatewayHost.StartAsync(Capture,
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["InferenceProxy:Budgets:Enabled"] = "false", // no cost-accountant here: budgets are tested in the integration tests
                ["InferenceProxy:MaxRequestBodyBytes"] = "65536",
                // These tests look at single attempts; retries, fallbacks and circuits have their own fixture.
                ["InferenceProxy:Retry:MaxAttempts"] = "1",
                ["InferenceProxy:CircuitBreaker:MinimumThroughput"] = "10000",
                ["InferenceProxy:Deployments:0:Name"] = "sim",
                ["InferenceProxy:Deployments:0:BaseUrl"] = upstream,
                ["InferenceProxy:Deployments:0:ApiKeyVariable"] = ProviderKeyVariable,
                ["InferenceProxy:Deployments:0:Models:0"] = "sim-small",
                ["InferenceProxy:Deployments:0:Models:1"] = "sim-large",
                ["InferenceProxy:Deployments:0:Models:2"] = "sim-embed",
                ["InferenceProxy:Deployments:1:Name"] = "aliased",
                ["InferenceProxy:Deployments:1:BaseUrl"] = upstream,
                ["InferenceProxy:Deployments:1:ApiKeyVariable"] = ProviderKeyVariable,
                ["InferenceProxy:Deployments:1:UpstreamModel"] = "sim-large",
                ["InferenceProxy:Deployments:1:Models:0"] = "my-alias",
                ["InferenceProxy:Deployments:2:Name"] = "slow",
                ["InferenceProxy:Deployments:2:BaseUrl"] = upstream,
                ["InferenceProxy:Deployments:2:ApiKeyVariable"] = ProviderKeyVariable,
                ["InferenceProxy:Deployments:2:TimeoutSeconds"] = "1",
                ["InferenceProxy:Deployments:2:Models:0"] = "slow-model",
                ["InferenceProxy:Deployments:3:Name"] = "keyless",
                ["InferenceProxy:Deployments:3:BaseUrl"] = upstream,
                ["InferenceProxy:Deployments:3:Models:0"] = "keyless-model",
                ["InferenceProxy:Deployments:4:Name"] = "nowhere",
                ["InferenceProxy:Deployments:4:BaseUrl"] = "http://127.0.0.1:9/v1",
                ["InferenceProxy:Deployments:4:Models:0"] = "nowhere-model",
            });
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Simulator.DisposeAsync();
    }

    public OpenAIClientOptions SdkOptions() => new()
    {
        Endpoint = new Uri(Gateway.BaseAddress, "v1"),
        // The SDK retries 429 and 5xx by default; these tests look at single attempts.
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    };

    public ChatClient Chat(string model, string key = TestHost.AdminKey) => new(model, new ApiKeyCredential(key), SdkOptions());

    public EmbeddingClient Embeddings(string model) => new(model, new ApiKeyCredential(TestHost.AdminKey), SdkOptions());

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public static JsonObject ChatBody(string message, string model = "sim-small", bool stream = false)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = message }),
        };
        if (stream)
            body["stream"] = true;
        return body;
    }
}
