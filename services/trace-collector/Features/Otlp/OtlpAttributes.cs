using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Collections;
using LlmOps.TraceCollector.Features.Otlp.Proto;

namespace LlmOps.TraceCollector.Features.Otlp;

/// <summary>
/// A span's attributes as the mapping reads them. <see cref="Take"/> marks the attribute it used as mapped, so what is
/// left over (<see cref="Unmapped"/>) becomes metadata: an attribute that lost to a preferred one (a request model beside
/// the response model) stays visible there instead of being dropped.
/// </summary>
public sealed class OtlpAttributes
{
    // Beyond 2^53 a double no longer holds every whole number; no token count comes near it.
    private const double MaxWholeDouble = 9_007_199_254_740_992d;

    private readonly Dictionary<string, AnyValue> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _mapped = new(StringComparer.Ordinal);

    public OtlpAttributes(RepeatedField<KeyValue> attributes)
    {
        // Keys must be unique in OTLP; if a sender repeats one anyway, the last wins, as in most SDKs.
        foreach (var attribute in attributes)
        {
            if (attribute.Key.Length > 0 && attribute.Value is { } value)
                _values[attribute.Key] = value;
        }
    }

    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>The first of <paramref name="keys"/> that is present, marked as mapped; null when none is.</summary>
    public AnyValue? Take(params ReadOnlySpan<string> keys)
    {
        foreach (var key in keys)
        {
            if (Peek(key) is { } value)
            {
                _mapped.Add(key);
                return value;
            }
        }
        return null;
    }

    /// <summary>
    /// Reads without marking as mapped (for attributes that decide something but stay informative). An empty value, or an
    /// empty string, counts as not reported.
    /// </summary>
    public AnyValue? Peek(string key) =>
        _values.TryGetValue(key, out var value) && value.ValueCase != AnyValue.ValueOneofCase.None
        && value is not { ValueCase: AnyValue.ValueOneofCase.StringValue, StringValue.Length: 0 }
            ? value
            : null;

    public string? String(params ReadOnlySpan<string> keys) => Text(Take(keys));

    public string? PeekString(string key) => Text(Peek(key));

    /// <summary>A whole non-negative number, also when a sender wrote it as a double or a string (JSON-first SDKs do).</summary>
    public long? Long(params ReadOnlySpan<string> keys)
    {
        foreach (var key in keys)
        {
            var value = Peek(key);
            long? whole = value?.ValueCase == AnyValue.ValueOneofCase.IntValue ? value.IntValue
                : Number(value) is { } number && number < MaxWholeDouble && number == Math.Floor(number) ? (long)number
                : null;
            if (whole is >= 0)
            {
                _mapped.Add(key);
                return whole;
            }
        }
        return null;
    }

    public double? Double(params ReadOnlySpan<string> keys)
    {
        foreach (var key in keys)
        {
            if (Number(Peek(key)) is { } number)
            {
                _mapped.Add(key);
                return number;
            }
        }
        return null;
    }

    /// <summary>Content that may arrive as a JSON string or as a structured value: returned as JSON (a plain string stays as is).</summary>
    public string? Json(params ReadOnlySpan<string> keys) => Take(keys) is { } value ? JsonText(value) : null;

    public void MarkMapped(string key) => _mapped.Add(key);

    /// <summary>What no mapping used, as a JSON object (string values capped at <paramref name="maxChars"/>).</summary>
    public JsonObject Unmapped(int maxChars, ref bool truncated)
    {
        var result = new JsonObject();
        foreach (var (key, value) in _values)
        {
            if (!_mapped.Contains(key))
                result[key] = ToJson(value, maxChars, ref truncated);
        }
        return result;
    }

    public static JsonObject ToJsonObject(RepeatedField<KeyValue> attributes, int maxChars, ref bool truncated)
    {
        var result = new JsonObject();
        foreach (var attribute in attributes)
        {
            if (attribute.Key.Length > 0)
                result[attribute.Key] = ToJson(attribute.Value, maxChars, ref truncated);
        }
        return result;
    }

    /// <summary>An attribute value as JSON: strings, numbers, booleans, arrays and key-value lists as such, bytes as base64.</summary>
    public static JsonNode? ToJson(AnyValue? value, int maxChars, ref bool truncated)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                return JsonValue.Create(Capped(value.StringValue, maxChars, ref truncated));
            case AnyValue.ValueOneofCase.BoolValue:
                return JsonValue.Create(value.BoolValue);
            case AnyValue.ValueOneofCase.IntValue:
                return JsonValue.Create(value.IntValue);
            case AnyValue.ValueOneofCase.DoubleValue:
                // JSON has no NaN or infinities; keep them readable rather than failing the whole span.
                return double.IsFinite(value.DoubleValue)
                    ? JsonValue.Create(value.DoubleValue)
                    : JsonValue.Create(value.DoubleValue.ToString(CultureInfo.InvariantCulture));
            case AnyValue.ValueOneofCase.BytesValue:
                return JsonValue.Create(Capped(value.BytesValue.ToBase64(), maxChars, ref truncated));
            case AnyValue.ValueOneofCase.ArrayValue:
                var array = new JsonArray();
                foreach (var item in value.ArrayValue.Values)
                    array.Add(ToJson(item, maxChars, ref truncated));
                return array;
            case AnyValue.ValueOneofCase.KvlistValue:
                var obj = new JsonObject();
                foreach (var pair in value.KvlistValue.Values)
                    obj[pair.Key] = ToJson(pair.Value, maxChars, ref truncated);
                return obj;
            default:
                return null;
        }
    }

    public static string Serialize(JsonNode node) => node.ToJsonString(JsonOptions);

    /// <summary>Non-ASCII text stays readable (and small) in the stored JSON; it is never embedded into HTML unescaped.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Capped(string text, int maxChars, ref bool truncated)
    {
        if (text.Length <= maxChars)
            return text;
        truncated = true;
        // Never cut a surrogate pair in half: the stored text must stay valid UTF-16 / UTF-8.
        var cut = char.IsHighSurrogate(text[maxChars - 1]) ? maxChars - 1 : maxChars;
        return text[..cut];
    }

    private static string? Text(AnyValue? value) => value?.ValueCase switch
    {
        null or AnyValue.ValueOneofCase.None => null,
        AnyValue.ValueOneofCase.StringValue => value.StringValue.Length > 0 ? value.StringValue : null,
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        _ => JsonText(value),
    };

    private static string JsonText(AnyValue value)
    {
        if (value.ValueCase == AnyValue.ValueOneofCase.StringValue)
            return value.StringValue;
        var ignored = false;
        return ToJson(value, int.MaxValue, ref ignored) is { } node ? Serialize(node) : "null";
    }

    private static double? Number(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(value.DoubleValue) => value.DoubleValue,
        AnyValue.ValueOneofCase.StringValue when double.TryParse(value.StringValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            && double.IsFinite(parsed) => parsed,
        _ => null,
    };
}
