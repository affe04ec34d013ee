using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using LlmOps.TraceCollector.Features.Otlp.Proto;

namespace LlmOps.TraceCollector.Features.Otlp;

/// <summary>
/// OTLP/JSON. It is the proto3 JSON mapping with two departures that Google.Protobuf's parser does not know: trace and
/// span ids are hex, not base64, and large int64 values sent as JSON numbers would lose precision there (it reads numbers
/// as doubles, so nanosecond timestamps would be off by up to a few hundred ns). Both are rewritten before parsing.
/// </summary>
public static class OtlpJson
{
    private const int MaxDepth = 128;

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true).WithRecursionLimit(MaxDepth));

    // Field name (camelCase as OTLP/JSON writes it, or the proto name, which the proto3 mapping also accepts) → id length.
    private static readonly Dictionary<string, int> IdFields = new(StringComparer.Ordinal)
    {
        ["traceId"] = 16, ["trace_id"] = 16, ["spanId"] = 8, ["span_id"] = 8, ["parentSpanId"] = 8, ["parent_span_id"] = 8,
    };

    private static readonly HashSet<string> Int64Fields = new(StringComparer.Ordinal)
    {
        "startTimeUnixNano", "start_time_unix_nano", "endTimeUnixNano", "end_time_unix_nano", "timeUnixNano", "time_unix_nano",
        "intValue", "int_value",
    };

    /// <summary>
    /// The request; throws <see cref="JsonException"/>, <see cref="InvalidJsonException"/> or
    /// <see cref="InvalidProtocolBufferException"/> when the body is not one.
    /// </summary>
    public static ExportTraceServiceRequest ParseRequest(byte[] body)
    {
        var root = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
        if (root is not JsonObject)
            throw new JsonException("An OTLP/JSON body is an object: {\"resourceSpans\": [...]}.");
        Normalize(root);
        return Parser.Parse<ExportTraceServiceRequest>(root.ToJsonString());
    }

    /// <summary>The proto3 JSON mapping of the response (camelCase; int64 as a string, which OTLP/JSON readers accept).</summary>
    public static string Format(ExportTraceServiceResponse response) => JsonFormatter.Default.Format(response);

    private static void Normalize(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (value is null)
                        continue;
                    if (IdFields.TryGetValue(name, out var length) && value is JsonValue id && id.TryGetValue<string>(out var text))
                        obj[name] = IdAsBase64(text, length);
                    else if (Int64Fields.Contains(name) && value is JsonValue number && number.GetValueKind() == JsonValueKind.Number
                             && number.ToJsonString() is var raw && IsWholeNumber(raw))
                        obj[name] = raw;
                    else
                        Normalize(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null)
                        Normalize(item);
                }
                break;
        }
    }

    /// <summary>
    /// Hex as the OTLP spec says; base64 too (what a generic proto3 JSON writer produces), told apart by length. Anything
    /// else becomes a 1-byte id, so the span is rejected on its own (partial success) instead of failing the request.
    /// </summary>
    private static string IdAsBase64(string text, int length)
    {
        if (text.Length == 0)
            return "";
        if (text.Length == length * 2 && IsHex(text))
            return Convert.ToBase64String(Convert.FromHexString(text));
        Span<byte> decoded = stackalloc byte[length];
        return Convert.TryFromBase64String(text, decoded, out var written) && written == length ? text : "AA==";
    }

    private static bool IsHex(string text) => text.AsSpan().ContainsAnyExcept("0123456789abcdefABCDEF") is false;

    private static bool IsWholeNumber(string raw)
    {
        var digits = raw.StartsWith('-') ? raw.AsSpan(1) : raw.AsSpan();
        return digits.Length is > 0 and <= 20 && !digits.ContainsAnyExceptInRange('0', '9');
    }
}
