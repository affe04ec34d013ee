using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;

namespace LlmOps.IntegrationTests;

/// <summary>inference-proxy as these tests run it: in process over real HTTP, the simulator its one deployment for every model.</summary>
internal static class GatewayHost
{
    public static Task<TestHost> StartAsync(Dictionary<string, string?> settings, TestHost simulator)
    {
        settings["InferenceProxy:Deployments:0:Name"] = "simulator";
        settings["InferenceProxy:Deployments:0:BaseUrl"] = new Uri(simulator.BaseAddress, "v1").ToString();
        settings["InferenceProxy:Deployments:0:Models:0"] = "*";
        return TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(InferenceProxyExtensions.ServiceName);
                builder.AddInferenceProxy();
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapInferenceProxyEndpoints();
            },
            settings);
    }
}
