using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmOps.ServiceDefaults.Messaging;

/// <summary>The structured-mode JSON of a <see cref="CloudEvent"/>: what goes on the wire and what a subscriber reads back.</summary>
public static class CloudEventJson
{
    /// <summary>The message's content type: Dapr takes a body of this type as a ready CloudEvent instead of wrapping it in one.</summary>
    public const string ContentType = "application/cloudevents+json";

    /// <summary>The content type of <see cref="CloudEvent.Data"/>.</summary>
    public const string DataContentType = "application/json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static byte[] SerializeToUtf8Bytes(CloudEvent cloudEvent)
    {
        Validate(cloudEvent);
        return JsonSerializer.SerializeToUtf8Bytes(cloudEvent, Options);
    }

    /// <exception cref="JsonException">Not a CloudEvents 1.0 JSON event (malformed, or a required attribute missing).</exception>
    public static CloudEvent Deserialize(ReadOnlySpan<byte> utf8Json)
    {
        var cloudEvent = JsonSerializer.Deserialize<CloudEvent>(utf8Json, Options)
            ?? throw new JsonException("A CloudEvent must be a JSON object, not null.");
        try
        {
            Validate(cloudEvent);
        }
        catch (ArgumentException ex)
        {
            throw new JsonException(ex.Message, ex);
        }
        return cloudEvent;
    }

    /// <summary>Refuses an event a subscriber could not take: a required attribute empty, or a spec version other than 1.0.</summary>
    public static void Validate(CloudEvent cloudEvent)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        if (string.IsNullOrWhiteSpace(cloudEvent.Id))
            throw new ArgumentException("A CloudEvent needs an id.", nameof(cloudEvent));
        if (string.IsNullOrWhiteSpace(cloudEvent.Source))
            throw new ArgumentException("A CloudEvent needs a source.", nameof(cloudEvent));
        if (string.IsNullOrWhiteSpace(cloudEvent.Type))
            throw new ArgumentException("A CloudEvent needs a type.", nameof(cloudEvent));
        if (cloudEvent.SpecVersion != CloudEvent.Version)
            throw new ArgumentException($"Only CloudEvents {CloudEvent.Version} is supported, not '{cloudEvent.SpecVersion}'.", nameof(cloudEvent));
    }
}

/// <summary>
/// Writes RFC 3339 in UTC (<c>2025-01-31T12:00:00.1234567Z</c>), the form every CloudEvents SDK parses; reads any
/// ISO 8601 date-time with an offset.
/// </summary>
internal sealed class Rfc3339TimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
}
