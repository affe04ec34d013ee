using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.InferenceProxy.Tests;

/// <summary>The gateway in front of the simulator's Anthropic Messages API (x-api-key required, as Anthropic does).</summary>
public sealed class AnthropicFixture : IAsyncLifetime
{
    private const string KeyVariable = "LLMOPS_TEST_ANTHROPIC_KEY";

    public TestHost Simulator { get; private set; } = null!;
    public TestHost Gateway { get; private set; } = null!;
    public InferenceCapture Capture { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable(KeyVariable, "sk-ant-sim");
        Simulator = await SimulatorHost.StartAsync(new Dictionary<string, string?> { ["Simulator:ApiKey"] = "sk-ant-sim" });
        Gateway = await GatewayHost.StartAsync(Capture,
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["InferenceProxy:Budgets:Enabled"] = "false", // no cost-accountant here: budgets are tested in the integration tests
                ["InferenceProxy:Retry:MaxAttempts"] = "1",
                ["InferenceProxy:CircuitBreaker:MinimumThroughput"] = "10000",
                ["InferenceProxy:Deployments:0:Name"] = "claude",
                ["InferenceProxy:Deployments:0:Provider"] = "anthropic",
                ["InferenceProxy:Deployments:0:BaseUrl"] = new Uri(Simulator.BaseAddress, "v1").ToString(),
                ["InferenceProxy:Deployments:0:ApiKeyVariable"] = KeyVariable,
                ["InferenceProxy:Deployments:0:UpstreamModel"] = "claude-sim-sonnet",
                ["InferenceProxy:Deployments:0:Models:0"] = "claude-sonnet",
            });
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
