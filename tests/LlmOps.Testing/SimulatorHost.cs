using LlmOps.LlmSimulator;

namespace LlmOps.Testing;

/// <summary>The LLM simulator on its own loopback port: the upstream provider of gateway tests.</summary>
public static class SimulatorHost
{
    public static Task<TestHost> StartAsync(IDictionary<string, string?>? settings = null) =>
        TestHost.StartAsync(
            builder => builder.AddLlmSimulator(),
            app => app.MapLlmSimulatorEndpoints(),
            settings);
}
