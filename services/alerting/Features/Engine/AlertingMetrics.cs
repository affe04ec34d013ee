using System.Diagnostics.Metrics;
using LlmOps.ServiceDefaults.Telemetry;

namespace LlmOps.Alerting.Features.Engine;

/// <summary>The engine's own telemetry: evaluations, transitions, deliveries, and what is firing and waiting.</summary>
public sealed class AlertingMetrics
{
    private static readonly Counter<long> Evaluations = LlmOpsTelemetry.Meter.CreateCounter<long>("llmops.alerting.evaluations", null,
        "Rule evaluations.");
    private static readonly Counter<long> EvaluationFailures = LlmOpsTelemetry.Meter.CreateCounter<long>("llmops.alerting.evaluation_failures", null,
        "Rule evaluations that threw (the rule's alerts are left as they were).");
    private static readonly Counter<long> Transitions = LlmOpsTelemetry.Meter.CreateCounter<long>("llmops.alerting.transitions", null,
        "Alerts fired and resolved.");
    private static readonly Counter<long> Deliveries = LlmOpsTelemetry.Meter.CreateCounter<long>("llmops.alerting.deliveries", null,
        "Notifications sent to receivers, by outcome.");

    public AlertingMetrics(Func<AlertEngine?> engine, Func<AlertEventPublisher?> publisher)
    {
        LlmOpsTelemetry.Meter.CreateObservableGauge("llmops.alerting.firing", () => engine()?.Alerts.Count(a => a.Status.State == Rules.AlertState.Firing) ?? 0,
            null, "Alerts firing now.");
        LlmOpsTelemetry.Meter.CreateObservableGauge("llmops.alerting.deliveries_in_flight", () => engine()?.InFlight ?? 0, null,
            "Notifications being sent or retried.");
        LlmOpsTelemetry.Meter.CreateObservableGauge("llmops.alerting.unpublished_events", () => publisher()?.Backlog ?? 0, null,
            "AlertFired / AlertResolved waiting for the broker.");
    }

    public void Evaluated(string rule) => Evaluations.Add(1, new KeyValuePair<string, object?>("rule", rule));

    public void EvaluationFailed(string rule) => EvaluationFailures.Add(1, new KeyValuePair<string, object?>("rule", rule));

    public void Transition(string rule, string kind, string? severity) =>
        Transitions.Add(1, new("rule", rule), new("kind", kind), new("severity", severity));

    public void Delivery(string receiver, bool delivered) =>
        Deliveries.Add(1, new("receiver", receiver), new("outcome", delivered ? "delivered" : "failed"));
}
