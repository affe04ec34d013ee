using LlmOps.Alerting.Features.Receivers;

namespace LlmOps.Alerting;

/// <summary>
/// The alerting service: rules over cost, quality and latency, the Alertmanager-style alert lifecycle, pages to
/// PagerDuty, Slack and webhooks, and CloudEvents on the alert topic. Built so far: the receivers (validated at start
/// from <c>Alerting:Receivers</c>) and the rule engine's pure core (Features/Rules: rule files, conditions, lifecycle,
/// grouping, silences, inhibition); the consumers that feed it, its storage and its endpoints come next (issue #8).
/// </summary>
public static class AlertingExtensions
{
    public const string ServiceName = "alerting";

    public static WebApplicationBuilder AddAlerting(this WebApplicationBuilder builder)
    {
        builder.AddAlertReceivers();
        return builder;
    }

    public static WebApplication MapAlertingEndpoints(this WebApplication app) => app;
}
