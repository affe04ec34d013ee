using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmOps.TraceCollector.Features.Otlp;

/// <summary>
/// A span's metadata: its unmapped attributes under their own names (so <c>gen_ai.request.temperature</c> reads as such),
/// then the collector's named entries (resource, scope, links, evaluations...), and <c>truncated</c> listing every field
/// that was cut. The whole stays under the text cap: when it would not, the unmapped attributes are left out. Written
/// straight from the nodes (no copies: this runs for every span, and the resource is shared by all spans of an export).
/// </summary>
public static class OtlpMetadata
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = OtlpAttributes.JsonOptions.Encoder };

    public static string Compose(JsonObject unmapped, JsonObject known, JsonObject? resource, SortedSet<string> truncated, int maxChars)
    {
        var text = Write(unmapped, known, resource, truncated);
        if (text.Length <= maxChars)
            return text;
        truncated.Add("attributes");
        text = Write(null, known, resource, truncated);
        return text.Length <= maxChars ? text : Write(null, new JsonObject(), null, new SortedSet<string>(truncated) { "metadata" });
    }

    private static string Write(JsonObject? unmapped, JsonObject known, JsonObject? resource, SortedSet<string> truncated)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in unmapped ?? [])
            {
                // The named entries win over an attribute that happens to share their name.
                if (known.ContainsKey(key) || key == "truncated" && truncated.Count > 0 || key == "resource" && resource is not null)
                    continue;
                writer.WritePropertyName(key);
                Node(writer, value);
            }
            if (resource is not null)
            {
                writer.WritePropertyName("resource");
                resource.WriteTo(writer);
            }
            foreach (var (key, value) in known)
            {
                writer.WritePropertyName(key);
                Node(writer, value);
            }
            if (truncated.Count > 0)
            {
                writer.WriteStartArray("truncated");
                foreach (var name in truncated)
                    writer.WriteStringValue(name);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Node(Utf8JsonWriter writer, JsonNode? value)
    {
        if (value is null)
            writer.WriteNullValue();
        else
            value.WriteTo(writer);
    }
}
