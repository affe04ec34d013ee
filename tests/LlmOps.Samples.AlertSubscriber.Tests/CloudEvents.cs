using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace LlmOps.Samples.AlertSubscriber.Tests;

/// <summary>Deliveries as Dapr makes them: a CloudEvent POSTed as application/cloudevents+json, plus Dapr's own attributes.</summary>
public static class CloudEvents
{
    public static JsonObject Alert(string? id = null, string type = "io.llmops.alert.fired") => new()
    {
        ["id"] = id ?? Guid.NewGuid().ToString(),
        ["source"] = "/llmops/alerting",
        ["specversion"] = "1.0",
        ["type"] = type,
        ["time"] = "2025-01-31T12:00:00.123Z",
        ["subject"] = "project-a",
        ["datacontenttype"] = "application/json",
        ["data"] = new JsonObject { ["fingerprint"] = "fp-7c1e9a", ["ruleName"] = "high-error-rate", ["severity"] = "critical" },
        ["pubsubname"] = "llmops-pubsub",
        ["topic"] = "llmops.alerts",
        ["traceid"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    };

    public static HttpContent Body(string json, string contentType = "application/cloudevents+json") =>
        new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue(contentType));

    public static HttpContent Body(JsonObject cloudEvent) => Body(cloudEvent.ToJsonString());
}
