using System.Text.Json.Nodes;

namespace LlmOps.TraceCollector.Features.Otlp;

/// <summary>
/// A span's metadata: its unmapped attributes under their own names (so <c>gen_ai.request.temperature</c> reads as such),
/// then the collector's named entries (resource, scope, links, evaluations...), and <c>truncated</c> listing every field
/// that was cut. The whole stays under the text cap: when it would not, the unmapped attributes are left out.
/// </summary>
public static class OtlpMetadata
{
    public static string Compose(JsonObject unmapped, JsonObject known, SortedSet<string> truncated, int maxChars)
    {
        var text = OtlpAttributes.Serialize(Merge(unmapped, known, truncated));
        if (text.Length <= maxChars)
            return text;
        truncated.Add("attributes");
        text = OtlpAttributes.Serialize(Merge(null, known, truncated));
        return text.Length <= maxChars ? text : OtlpAttributes.Serialize(new JsonObject { ["truncated"] = Names([.. truncated, "metadata"]) });
    }

    private static JsonObject Merge(JsonObject? unmapped, JsonObject known, SortedSet<string> truncated)
    {
        var metadata = new JsonObject();
        foreach (var (key, value) in unmapped ?? [])
            metadata[key] = value?.DeepClone();
        // The named entries win over an attribute that happens to share their name.
        foreach (var (key, value) in known)
            metadata[key] = value?.DeepClone();
        if (truncated.Count > 0)
            metadata["truncated"] = Names(truncated);
        return metadata;
    }

    private static JsonArray Names(IEnumerable<string> names) =>
        new([.. names.Distinct(StringComparer.Ordinal).Select(n => (JsonNode?)JsonValue.Create(n))]);
}
