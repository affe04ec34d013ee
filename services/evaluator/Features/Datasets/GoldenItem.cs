using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Evaluator.Infrastructure;

namespace LlmOps.Evaluator.Features.Datasets;

/// <summary>
/// A golden item as the API takes it: <c>input</c> (text, or an object of prompt variables), <c>expectedOutput</c>
/// (text; any other JSON is kept as its JSON text), <c>context</c> (text, or an array of documents in rank order) and
/// <c>metadata</c> (an object). Also how an experiment reads a stored item back.
/// </summary>
public static class GoldenItem
{
    /// <summary>Longest text per field (an input, an expected output, one context document, the metadata).</summary>
    public const int MaxFieldChars = 100_000;

    public const int MaxDocuments = 100;

    public static (DatasetItemRecord? Item, string? Problem) Parse(JsonElement element, Guid datasetId, DateTime now)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return (null, "an item is a JSON object with input, expectedOutput, context and metadata.");

        string input;
        string? inputFormat = null;
        var given = Property(element, "input");
        switch (given?.ValueKind)
        {
            case JsonValueKind.String when given.Value.GetString()!.Trim().Length > 0:
                input = given.Value.GetString()!;
                break;
            case JsonValueKind.Object when given.Value.EnumerateObject().Any():
                // Variables in a canonical order: the same variables given in another order are the same item.
                input = Canonical(JsonNode.Parse(given.Value.GetRawText()))!.ToJsonString();
                inputFormat = ItemFormats.Variables;
                break;
            default:
                return (null, "input is required: non-empty text, or a non-empty object of prompt variables.");
        }
        if (input.Length > MaxFieldChars)
            return (null, $"input is longer than {MaxFieldChars:N0} characters.");

        var expectedElement = Property(element, "expectedOutput");
        string? expected = expectedElement?.ValueKind switch
        {
            null or JsonValueKind.Null => null,
            JsonValueKind.String => expectedElement.Value.GetString(),
            _ => JsonNode.Parse(expectedElement.Value.GetRawText())!.ToJsonString(),
        };
        if (expected is { Length: > MaxFieldChars })
            return (null, $"expectedOutput is longer than {MaxFieldChars:N0} characters.");

        string? context = null;
        string? contextFormat = null;
        var contextElement = Property(element, "context");
        switch (contextElement?.ValueKind)
        {
            case null or JsonValueKind.Null:
                break;
            case JsonValueKind.String:
                context = contextElement.Value.GetString()!;
                if (context.Length > MaxFieldChars)
                    return (null, $"context is longer than {MaxFieldChars:N0} characters.");
                break;
            case JsonValueKind.Array:
                var documents = new List<string>();
                foreach (var document in contextElement.Value.EnumerateArray())
                {
                    if (document.ValueKind != JsonValueKind.String)
                        return (null, "context is text or an array of documents (strings).");
                    if (document.GetString()!.Length > MaxFieldChars)
                        return (null, $"a context document is longer than {MaxFieldChars:N0} characters.");
                    documents.Add(document.GetString()!);
                }
                if (documents.Count > MaxDocuments)
                    return (null, $"context has more than {MaxDocuments} documents.");
                context = JsonSerializer.Serialize(documents);
                contextFormat = ItemFormats.Documents;
                break;
            default:
                return (null, "context is text or an array of documents (strings).");
        }

        string? metadata = null;
        var metadataElement = Property(element, "metadata");
        if (metadataElement is { ValueKind: not JsonValueKind.Null } m)
        {
            if (m.ValueKind != JsonValueKind.Object)
                return (null, "metadata is an object.");
            metadata = m.GetRawText();
            if (metadata.Length > MaxFieldChars)
                return (null, $"metadata is longer than {MaxFieldChars:N0} characters.");
        }

        return (new DatasetItemRecord
        {
            Id = Guid.CreateVersion7(),
            DatasetId = datasetId,
            ContentHash = Hash(input, inputFormat, expected, context, contextFormat),
            Input = input,
            InputFormat = inputFormat,
            ExpectedOutput = expected,
            Context = context,
            ContextFormat = contextFormat,
            Source = "api",
            Metadata = metadata,
            CreatedAt = now,
        }, null);
    }

    /// <summary>What the item asks, as text: the input, or for prompt variables the <c>input</c>, <c>question</c> or <c>query</c> variable.</summary>
    public static string Question(DatasetItemRecord item)
    {
        if (item.InputFormat != ItemFormats.Variables)
            return item.Input;
        var variables = Variables(item);
        foreach (var name in new[] { "input", "question", "query" })
        {
            if (variables.TryGetValue(name, out var value))
                return value;
        }
        return item.Input;
    }

    /// <summary>The item's input as prompt variables: its object, or <c>{"input": text}</c>; the context as <c>context</c> unless given.</summary>
    public static Dictionary<string, string> Variables(DatasetItemRecord item)
    {
        var variables = item.InputFormat == ItemFormats.Variables && JsonNode.Parse(item.Input) is JsonObject values
            ? values.ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.TryGetValue<string>(out var text) ? text : p.Value?.ToJsonString() ?? "")
            : new Dictionary<string, string> { ["input"] = item.Input };
        if (ContextText(item) is { } context)
            variables.TryAdd("context", context);
        return variables;
    }

    /// <summary>The context's documents in rank order (a text context is one document).</summary>
    public static IReadOnlyList<string> Documents(DatasetItemRecord item) =>
        item.Context is null ? []
        : item.ContextFormat == ItemFormats.Documents ? JsonSerializer.Deserialize<List<string>>(item.Context) ?? []
        : item.Context.Trim().Length == 0 ? [] : [item.Context];

    /// <summary>The context as one text (documents separated by blank lines), or null.</summary>
    public static string? ContextText(DatasetItemRecord item) =>
        Documents(item) is { Count: > 0 } documents ? string.Join("\n\n", documents) : null;

    /// <summary>The item as the API shows it: input and context in the shape they were given.</summary>
    public static object View(DatasetItemRecord i) => new
    {
        id = i.Id,
        input = i.InputFormat == ItemFormats.Variables ? JsonDocument.Parse(i.Input).RootElement.Clone() : (object)i.Input,
        expectedOutput = i.ExpectedOutput,
        context = i.ContextFormat == ItemFormats.Documents ? Documents(i) : (object?)i.Context,
        metadata = i.Metadata is null ? (JsonElement?)null : JsonDocument.Parse(i.Metadata).RootElement.Clone(),
        source = i.Source,
        sourceTraceId = i.SourceTraceId,
        createdAt = i.CreatedAt,
    };

    private static string Hash(string input, string? inputFormat, string? expected, string? context, string? contextFormat) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('\u0000', inputFormat ?? "text", input.Trim(), expected?.Trim() ?? "", contextFormat ?? "text", context?.Trim() ?? ""))));

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value?.DeepClone())))),
        JsonArray a => new JsonArray(a.Select(v => Canonical(v?.DeepClone())).ToArray()),
        _ => node,
    };

    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                return property.Value;
        }
        return null;
    }
}
