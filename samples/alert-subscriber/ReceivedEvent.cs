using System.Text.Json;

namespace LlmOps.Samples.AlertSubscriber;

/// <summary>A CloudEvent as it arrived, with the attributes a handler routes on pulled out.</summary>
/// <param name="CloudEvent">The whole event as received, including attributes Dapr adds (<c>pubsubname</c>, <c>topic</c>, <c>traceid</c>, ...).</param>
/// <param name="Known">False for a type this subscriber does not know: accepted (acked) and flagged, never retried.</param>
/// <param name="Via"><c>dapr</c> or <c>rabbitmq</c>.</param>
public sealed record ReceivedEvent(
    string Id,
    string Source,
    string Type,
    string? Subject,
    string Topic,
    bool Known,
    string Via,
    DateTimeOffset ReceivedAt,
    JsonElement CloudEvent)
{
    /// <summary>The payload: the platform's contract as camelCase JSON (e.g. AlertFired), if the event has one.</summary>
    public JsonElement? Data => CloudEvent.TryGetProperty("data", out var data) ? data : null;
}

/// <summary>Reads a CloudEvents 1.0 event in structured JSON mode; refuses what no retry could fix.</summary>
public static class CloudEventReader
{
    /// <summary>The event, or null and why it is not a usable CloudEvent.</summary>
    public static (JsonElement? Event, string? Error) Read(ReadOnlySpan<byte> body)
    {
        JsonElement root;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            root = JsonElement.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            return (null, "not JSON: " + ex.Message);
        }
        if (root.ValueKind != JsonValueKind.Object)
            return (null, "not a JSON object");
        if (Text(root, "specversion") != "1.0")
            return (null, "specversion must be \"1.0\"");
        foreach (var required in (string[])["id", "source", "type"])
        {
            if (string.IsNullOrWhiteSpace(Text(root, required)))
                return (null, $"'{required}' is required");
        }
        if (root.TryGetProperty("time", out var time) && (time.ValueKind != JsonValueKind.String || !time.TryGetDateTimeOffset(out _)))
            return (null, "'time' must be an RFC 3339 timestamp");
        return (root, null);
    }

    public static string? Text(JsonElement cloudEvent, string attribute) =>
        cloudEvent.TryGetProperty(attribute, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
