using LlmOps.Dashboard.Features.Console;
using LlmOps.Dashboard.Features.Proxy;
using Microsoft.Extensions.Options;

namespace LlmOps.Dashboard;

/// <summary>
/// The dashboard: a static web console (Overview, Traces, Alerts) that calls the platform's <c>/api</c> routes with the
/// key the user signs in with. In the embedded platform the APIs share its host; as its own service it forwards each
/// <c>/api</c> prefix to the service that owns it (<see cref="DashboardOptions.Services"/>).
/// </summary>
public static class DashboardExtensions
{
    public const string ServiceName = "dashboard";

    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardOptions>()
            .BindConfiguration(DashboardOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Services.Keys.All(ApiRoutes.PrefixesByService.ContainsKey),
                $"Dashboard:Services names a service the dashboard does not know; use {string.Join(", ", ApiRoutes.PrefixesByService.Keys)}.")
            .Validate(o => o.Services.Values.All(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"),
                "Dashboard:Services:* are absolute http(s) URLs.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ConsoleAssets>();
        builder.Services.AddSingleton<ApiForwarder>();
        builder.Services.AddHttpClient(ApiForwarder.ClientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // ApiForwarder bounds each call itself
            .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(services.GetRequiredService<IOptions<DashboardOptions>>().Value.ConnectTimeoutSeconds),
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        return builder;
    }

    public static WebApplication MapDashboardEndpoints(this WebApplication app)
    {
        app.MapConsole();
        var options = app.Services.GetRequiredService<IOptions<DashboardOptions>>().Value;
        foreach (var (service, url) in options.Services)
        {
            var serviceBase = new Uri(url.TrimEnd('/') + "/");
            foreach (var prefix in ApiRoutes.PrefixesByService[service])
            {
                // Anonymous here: the owning service authenticates the forwarded Authorization header itself.
                app.Map(prefix + "/{**rest}", (HttpContext context, ApiForwarder forwarder) => forwarder.ForwardAsync(context, serviceBase))
                    .AllowAnonymous().WithTags(ServiceName).ExcludeFromDescription();
            }
        }
        return app;
    }
}
