using LlmOps.Alerting.Features.Alerts;
using LlmOps.Alerting.Features.Engine;
using LlmOps.Alerting.Features.Metrics;
using LlmOps.Alerting.Features.Receivers;

namespace LlmOps.Alerting;

/// <summary>
/// The alerting service: rules over cost, quality and latency (a mounted YAML file and <c>/api/rules</c>), the
/// Alertmanager-style lifecycle with grouping, silences and inhibition, pages to PagerDuty, Slack and signed webhooks,
/// AlertFired / AlertResolved on the bus and CloudEvents on <c>llmops.alerts</c>. See docs/alerting.md.
/// </summary>
public static class AlertingExtensions
{
    public const string ServiceName = "alerting";

    public static WebApplicationBuilder AddAlerting(this WebApplicationBuilder builder)
    {
        builder.AddAlertReceivers();
        builder.AddAlertEngine();
        builder.AddAlertMetrics();
        return builder;
    }

    public static WebApplication MapAlertingEndpoints(this WebApplication app)
    {
        app.MapAlertEndpoints();
        return app;
    }
}
