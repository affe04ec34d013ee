namespace LlmOps.Alerting;

/// <summary>
/// The alerting service: rules over cost, quality and latency, the Alertmanager-style alert lifecycle, pages to PagerDuty, Slack and webhooks, and CloudEvents on the alert topic.
/// This slice is the host only (shared logging, telemetry, health, bus and key authentication, runnable alone and
/// composed into the embedded platform); its consumers, storage and endpoints arrive with issue #8.
/// </summary>
public static class AlertingExtensions
{
    public const string ServiceName = "alerting";

    public static WebApplicationBuilder AddAlerting(this WebApplicationBuilder builder) => builder;

    public static WebApplication MapAlertingEndpoints(this WebApplication app) => app;
}
