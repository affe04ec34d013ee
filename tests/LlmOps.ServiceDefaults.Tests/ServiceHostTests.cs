using System.Net;
using LlmOps.Alerting;
using LlmOps.CostAccountant;
using LlmOps.Evaluator;
using LlmOps.FeedbackIngest;
using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;
using LlmOps.TraceCollector;
using Microsoft.AspNetCore.Builder;

namespace LlmOps.ServiceDefaults.Tests;

/// <summary>Each of the six services, composed exactly as its Program.cs composes it, starts, is ready and guards its routes.</summary>
public class ServiceHostTests
{
    public static TheoryData<string> Services() =>
        ["inference-proxy", "trace-collector", "evaluator", "feedback-ingest", "cost-accountant", "alerting"];

    private static (Action<WebApplicationBuilder> Add, Action<WebApplication> Map) Module(string service) => service switch
    {
        "inference-proxy" => (b => b.AddInferenceProxy(), a => a.MapInferenceProxyEndpoints()),
        "trace-collector" => (b => b.AddTraceCollector(), a => a.MapTraceCollectorEndpoints()),
        "evaluator" => (b => b.AddEvaluator(), a => a.MapEvaluatorEndpoints()),
        "feedback-ingest" => (b => b.AddFeedbackIngest(), a => a.MapFeedbackIngestEndpoints()),
        "cost-accountant" => (b => b.AddCostAccountant(), a => a.MapCostAccountantEndpoints()),
        "alerting" => (b => b.AddAlerting(), a => a.MapAlertingEndpoints()),
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Each_service_host_starts_is_ready_and_refuses_anonymous_api_calls(string service)
    {
        var (add, map) = Module(service);
        await using var host = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(service);
                add(builder);
            },
            app =>
            {
                app.MapDefaultEndpoints();
                map(app);
            },
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["InferenceProxy:Deployments:0:Name"] = "upstream",
                ["InferenceProxy:Deployments:0:BaseUrl"] = "http://127.0.0.1:9/v1",
                ["InferenceProxy:Deployments:0:Models:0"] = "*",
            });
        using var anonymous = host.CreateClient(bearerKey: null);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        await Eventually.TrueAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), $"{service} to be ready");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/anything")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/v1/chat/completions", null)).StatusCode);
    }
}
