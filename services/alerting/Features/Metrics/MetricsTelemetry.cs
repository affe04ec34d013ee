using System.Diagnostics.Metrics;
using LlmOps.ServiceDefaults.Telemetry;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>The metric store's own numbers: what it counted, and what it dropped and why.</summary>
internal static class MetricsTelemetry
{
    public const string Cost = "cost";
    public const string Score = "score";
    public const string Inference = "inference";
    public const string Budget = "budget";
    public const string Evaluator = "evaluator_progress";
    public const string Queue = "error_queue";

    private static readonly Counter<long> Events = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.alerting.metric_events", description: "Events the alert metric store received, by kind and outcome (counted, ignored)");
    private static readonly Counter<long> Duplicates = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.alerting.metric_duplicates", description: "Redelivered events the alert metric store dropped, by kind");
    private static readonly Counter<long> Refused = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.alerting.metric_series_refused", description: "Events dropped because the store holds Alerting:Metrics:MaxSeries series");
    private static readonly Counter<long> Polls = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.alerting.error_queue_polls", description: "Polls of the broker's management API, by outcome (ok, failed)");

    public static void Recorded(string kind, RecordOutcome outcome)
    {
        var kindTag = new KeyValuePair<string, object?>("kind", kind);
        if (outcome == RecordOutcome.Duplicate)
            Duplicates.Add(1, kindTag);
        else
            Events.Add(1, kindTag, new KeyValuePair<string, object?>("outcome", outcome == RecordOutcome.Counted ? "counted" : "ignored"));
    }

    public static void SeriesRefused() => Refused.Add(1);

    public static void Polled(bool ok) => Polls.Add(1, new KeyValuePair<string, object?>("outcome", ok ? "ok" : "failed"));
}
