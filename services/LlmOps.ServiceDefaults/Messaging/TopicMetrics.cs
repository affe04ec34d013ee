using System.Diagnostics.Metrics;
using LlmOps.ServiceDefaults.Telemetry;

namespace LlmOps.ServiceDefaults.Messaging;

/// <summary>Topic publishes, by topic: a failure count that keeps growing means subscribers are missing events.</summary>
internal static class TopicMetrics
{
    private static readonly Counter<long> Published = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.topics.published", description: "CloudEvents confirmed on a topic (by the broker, or kept in memory in embedded mode)");
    private static readonly Counter<long> Failed = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.topics.failed", description: "CloudEvent publishes that threw (timeout, nack, connection): the caller retries or gives up");

    public static void RecordPublished(string topic) => Published.Add(1, new KeyValuePair<string, object?>("topic", topic));

    /// <param name="reason"><c>timeout</c>, <c>nack</c> or <c>error</c>.</param>
    public static void RecordFailed(string topic, string reason) =>
        Failed.Add(1, new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("reason", reason));
}
