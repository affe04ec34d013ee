using LlmOps.Alerting;
using LlmOps.CostAccountant;
using LlmOps.Evaluator;
using LlmOps.FeedbackIngest;
using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.Testing;
using LlmOps.TraceCollector;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;

namespace LlmOps.SystemTests;

/// <summary>One HTTP route a service maps: its pattern, its methods (empty = any) and what its metadata says about keys.</summary>
public sealed record ServiceRoute(string Service, string Pattern, IReadOnlyList<string> Methods, bool Anonymous, bool AdminOnly)
{
    public override string ToString() => $"{Service} {(Methods.Count == 0 ? "*" : string.Join('|', Methods))} {Pattern}";
}

/// <summary>
/// Every route of every service, read from the endpoints each service's own Add/Map pair registers (the host is built,
/// never started), so a route added tomorrow is swept tomorrow without anyone listing it.
/// </summary>
public static class RouteCatalog
{
    private static readonly Lazy<IReadOnlyList<ServiceRoute>> Routes = new(() => ServiceProcesses.Names.SelectMany(Read).ToList());

    public static IReadOnlyList<ServiceRoute> All => Routes.Value;

    private static IEnumerable<ServiceRoute> Read(string service)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:AdminKey"] = TestHost.AdminKey,
            ["Messaging:Transport"] = "InMemory",
            ["Storage:Provider"] = "Sqlite",
            ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-route-catalog", Guid.NewGuid().ToString("N")),
            ["Serilog:MinimumLevel:Default"] = "Warning",
        });
        builder.AddServiceDefaults(service);
        Action<WebApplication> map = service switch
        {
            ServiceProcesses.InferenceProxy => Add(builder, b => b.AddInferenceProxy(), a => a.MapInferenceProxyEndpoints()),
            ServiceProcesses.TraceCollector => Add(builder, b => b.AddTraceCollector(), a => a.MapTraceCollectorEndpoints()),
            ServiceProcesses.Evaluator => Add(builder, b => b.AddEvaluator(), a => a.MapEvaluatorEndpoints()),
            ServiceProcesses.FeedbackIngest => Add(builder, b => b.AddFeedbackIngest(), a => a.MapFeedbackIngestEndpoints()),
            ServiceProcesses.CostAccountant => Add(builder, b => b.AddCostAccountant(), a => a.MapCostAccountantEndpoints()),
            ServiceProcesses.Alerting => Add(builder, b => b.AddAlerting(), a => a.MapAlertingEndpoints()),
            _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
        };
        // Never started and never disposed: the services' logging is process-wide, and disposing one built host would
        // dispose the logger factory the next one builds on.
        var app = builder.Build();
        app.MapDefaultEndpoints();
        map(app);
        return ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => new ServiceRoute(service, "/" + e.RoutePattern.RawText!.TrimStart('/'),
                e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.ToList() ?? [],
                e.Metadata.GetMetadata<IAllowAnonymous>() is not null,
                e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == AuthExtensions.AdminPolicy)))
            .ToList();
    }

    private static Action<WebApplication> Add(WebApplicationBuilder builder, Action<WebApplicationBuilder> add, Action<WebApplication> map)
    {
        add(builder);
        return map;
    }
}
