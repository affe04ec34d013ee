using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Otlp;

/// <summary>
/// What kind of step a span is and what went in and out of it, read from the conventions instrumentations use:
/// OpenTelemetry GenAI first, then OpenInference (Phoenix, Arize), then Langfuse's own attributes.
/// </summary>
public static partial class OtlpSpanContent
{
    private static readonly Dictionary<string, string> Operations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["chat"] = ObservationTypes.Generation, ["text_completion"] = ObservationTypes.Generation,
        ["generate_content"] = ObservationTypes.Generation, ["embeddings"] = ObservationTypes.Embedding,
        ["retrieval"] = ObservationTypes.Retrieval, ["execute_tool"] = ObservationTypes.Tool,
        ["invoke_agent"] = ObservationTypes.Agent, ["create_agent"] = ObservationTypes.Agent,
    };

    private static readonly Dictionary<string, string> OpenInferenceKinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["LLM"] = ObservationTypes.Generation, ["EMBEDDING"] = ObservationTypes.Embedding, ["RETRIEVER"] = ObservationTypes.Retrieval,
        ["TOOL"] = ObservationTypes.Tool, ["AGENT"] = ObservationTypes.Agent, ["GUARDRAIL"] = ObservationTypes.Guardrail,
        ["CHAIN"] = ObservationTypes.Span,
    };

    private static readonly Dictionary<string, string> LangfuseTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["generation"] = ObservationTypes.Generation, ["embedding"] = ObservationTypes.Embedding, ["retriever"] = ObservationTypes.Retrieval,
        ["tool"] = ObservationTypes.Tool, ["agent"] = ObservationTypes.Agent, ["guardrail"] = ObservationTypes.Guardrail,
        ["chain"] = ObservationTypes.Span, ["span"] = ObservationTypes.Span, ["event"] = ObservationTypes.Event,
    };

    /// <summary>
    /// The observation type. The deciding attributes stay in metadata (they are only peeked at): "chat" and
    /// "text_completion" are both generations, and which one it was is still worth seeing.
    /// </summary>
    public static string TypeOf(OtlpAttributes attributes)
    {
        if (attributes.PeekString("gen_ai.operation.name") is { } operation && Operations.TryGetValue(operation, out var type))
            return type;
        if (attributes.PeekString("openinference.span.kind") is { } kind && OpenInferenceKinds.TryGetValue(kind, out type))
            return type;
        if (attributes.PeekString("langfuse.observation.type") is { } declared && LangfuseTypes.TryGetValue(declared, out type))
            return type;
        return ObservationTypes.Span;
    }

    /// <summary>Input and output: chat messages (JSON) for generations, the query and the documents for retrievals.</summary>
    public static (string? Input, string? Output) InputOutput(OtlpAttributes attributes, string type)
    {
        if (type == ObservationTypes.Retrieval)
        {
            var query = attributes.Json("gen_ai.retrieval.query.text", "input.value");
            // Stored as a JSON array of documents: trace completion hands them to the evaluators from here.
            var documents = attributes.Json("gen_ai.retrieval.documents") ?? OpenInferenceDocuments(attributes) ?? attributes.Json("output.value");
            return (query, documents);
        }
        return (attributes.Json("gen_ai.input.messages", "input.value", "langfuse.observation.input"),
            attributes.Json("gen_ai.output.messages", "output.value", "langfuse.observation.output"));
    }

    /// <summary>OpenInference's flattened <c>retrieval.documents.N.document.{id,content,score}</c> as [{id, content, score}].</summary>
    private static string? OpenInferenceDocuments(OtlpAttributes attributes)
    {
        var documents = new SortedDictionary<int, (string? Id, string? Content, double? Score)>();
        foreach (var key in attributes.Keys.ToList())
        {
            var match = DocumentAttribute().Match(key);
            if (!match.Success || !int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                continue;
            var document = documents.GetValueOrDefault(index);
            documents[index] = match.Groups[2].Value switch
            {
                "id" => document with { Id = attributes.String(key) },
                "content" => document with { Content = attributes.String(key) },
                _ => document with { Score = attributes.Double(key) },
            };
        }
        if (documents.Count == 0)
            return null;
        var array = new JsonArray();
        foreach (var (id, content, score) in documents.Values)
            array.Add(new JsonObject { ["id"] = id, ["content"] = content, ["score"] = score });
        return OtlpAttributes.Serialize(array);
    }

    [GeneratedRegex(@"^retrieval\.documents\.(\d{1,6})\.document\.(id|content|score)$", RegexOptions.CultureInvariant)]
    private static partial Regex DocumentAttribute();
}
