using LlmOps.Alerting;
using LlmOps.CostAccountant;
using LlmOps.Dashboard;
using LlmOps.Evaluator;
using LlmOps.FeedbackIngest;
using LlmOps.InferenceProxy;
using LlmOps.LlmSimulator;
using LlmOps.ServiceDefaults;
using LlmOps.TraceCollector;

namespace LlmOps.Platform;

/// <summary>Composes every service's Add/Map pair on one host: the same modules the distributed services run.</summary>
public static class PlatformExtensions
{
    public const string HostName = "platform";
    public const string SimulatorPrefix = "/simulator";

    /// <summary>
    /// Embedded defaults, placed beneath every other configuration source so appsettings, environment variables and
    /// command-line arguments still win: in-memory bus, SQLite under ./data, a generated admin key, and the built-in
    /// simulator as the upstream for every model name.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> EmbeddedDefaults = new Dictionary<string, string?>
    {
        ["Messaging:Transport"] = "InMemory",
        ["Storage:Provider"] = "Sqlite",
        ["Storage:DataDirectory"] = "data",
        ["Auth:GenerateAdminKeyIfMissing"] = "true",
        ["Platform:MountSimulator"] = "true",
        ["InferenceProxy:CreateDefaultProjectKey"] = "true",
        ["InferenceProxy:Deployments:0:Name"] = "simulator",
        ["InferenceProxy:Deployments:0:Provider"] = "openai",
        ["InferenceProxy:Deployments:0:BaseUrl"] = SimulatorPrefix + "/v1",
        ["InferenceProxy:Deployments:0:Models:0"] = "sim-small",
        ["InferenceProxy:Deployments:0:Models:1"] = "sim-large",
        ["InferenceProxy:Deployments:0:Models:2"] = "sim-embed",
        ["InferenceProxy:Deployments:0:Models:3"] = "*",
    };

    public static WebApplicationBuilder AddEmbeddedPlatform(this WebApplicationBuilder builder)
    {
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = EmbeddedDefaults,
        });

        builder.AddServiceDefaults(HostName);
        builder.AddInferenceProxy();
        builder.AddTraceCollector();
        builder.AddEvaluator();
        builder.AddFeedbackIngest();
        builder.AddCostAccountant();
        builder.AddAlerting();
        builder.AddLlmSimulator();
        builder.AddDashboard();
        return builder;
    }

    public static WebApplication MapEmbeddedPlatform(this WebApplication app)
    {
        app.MapDefaultEndpoints();
        app.MapInferenceProxyEndpoints();
        app.MapTraceCollectorEndpoints();
        app.MapEvaluatorEndpoints();
        app.MapFeedbackIngestEndpoints();
        app.MapCostAccountantEndpoints();
        app.MapAlertingEndpoints();
        if (app.Configuration.GetValue<bool>("Platform:MountSimulator"))
            app.MapLlmSimulatorEndpoints(SimulatorPrefix);
        // The web console at /: its pages are explicit routes (no catch-all), so it never answers for /api, /v1,
        // /health or /simulator; with no Dashboard:Services configured it forwards nothing (the APIs are right here).
        app.MapDashboardEndpoints();
        return app;
    }
}
