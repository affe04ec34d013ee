using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using MassTransit.Serialization;

namespace LlmOps.ServiceDefaults.Messaging;

/// <summary>
/// A CloudEvents 1.0 event in its JSON form (structured mode), as the alert and action topics carry it and as Dapr's
/// pub/sub hands it to a subscriber. <c>source</c> + <c>id</c> identify the event: publish a retry with the same id, and
/// subscribers drop the copy.
/// </summary>
public sealed record CloudEvent
{
    public const string Version = "1.0";

    /// <summary>Unique within <see cref="Source"/>; deterministic where the producer can make it so (a retry is then a duplicate, not a second event).</summary>
    [JsonPropertyName("id"), JsonPropertyOrder(0)]
    public required string Id { get; init; }

    /// <summary>The producing component as a URI reference: <c>/llmops/{service}</c>, e.g. <c>/llmops/alerting</c>.</summary>
    [JsonPropertyName("source"), JsonPropertyOrder(1)]
    public required string Source { get; init; }

    [JsonPropertyName("specversion"), JsonPropertyOrder(2)]
    public string SpecVersion { get; init; } = Version;

    /// <summary><c>io.llmops.{area}.{event}</c>, see <see cref="CloudEventTypes"/>.</summary>
    [JsonPropertyName("type"), JsonPropertyOrder(3)]
    public required string Type { get; init; }

    /// <summary>When the occurrence happened; written as RFC 3339 in UTC.</summary>
    [JsonPropertyName("time"), JsonPropertyOrder(4), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(Rfc3339TimeConverter))]
    public DateTimeOffset? Time { get; init; }

    /// <summary>What the event is about within the source (a project id, an alert fingerprint), so subscribers can filter without parsing data.</summary>
    [JsonPropertyName("subject"), JsonPropertyOrder(5), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Subject { get; init; }

    [JsonPropertyName("datacontenttype"), JsonPropertyOrder(6), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DataContentType { get; init; } = CloudEventJson.DataContentType;

    /// <summary>The payload as JSON (embedded as an object, never as a string holding JSON).</summary>
    [JsonPropertyName("data"), JsonPropertyOrder(7), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Data { get; init; }

    /// <summary>
    /// W3C trace context (the CloudEvents distributed-tracing extension), which Dapr continues on the subscriber's
    /// side: the alert and the subscriber's handling show up in one trace.
    /// </summary>
    [JsonPropertyName("traceparent"), JsonPropertyOrder(8), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceParent { get; init; }

    /// <summary>
    /// An event carrying <paramref name="data"/> as it appears on the bus (the contract's camelCase JSON), typed by
    /// <see cref="CloudEventTypes.Of{T}"/>, stamped now and with the current trace.
    /// </summary>
    /// <param name="source">The producing service, e.g. <c>CloudEventSources.For("alerting")</c>.</param>
    /// <param name="id">Pass a deterministic id when the event can be produced twice (a redelivered message); a new UUIDv7 otherwise.</param>
    public static CloudEvent Create<T>(string source, T data, string? subject = null, string? id = null, DateTimeOffset? time = null)
        where T : class => new()
    {
        Id = id ?? Guid.CreateVersion7().ToString(),
        Source = source,
        Type = CloudEventTypes.Of<T>(),
        Time = time ?? DateTimeOffset.UtcNow,
        Subject = subject,
        Data = JsonSerializer.SerializeToElement(data, SystemTextJsonMessageSerializer.Options),
        TraceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null,
    };
}

/// <summary>The <c>source</c> attribute convention: <c>/llmops/{service}</c>.</summary>
public static class CloudEventSources
{
    /// <param name="serviceName">The producing service's kebab-case name (<c>alerting</c>), not the process's: the embedded platform hosts them all.</param>
    public static string For(string serviceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        return "/llmops/" + serviceName;
    }
}
