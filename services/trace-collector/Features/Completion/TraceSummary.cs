using System.Text.Json;
using LlmOps.Contracts.Tracing;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Completion;

/// <summary>
/// What evaluators need from a finished trace, read out of its rows so they never query back: the user's question, the
/// final answer, the retrieved documents, the generation's model and prompt, tokens, latency and outcome.
/// </summary>
public static class TraceSummary
{
    private const int MaxDocuments = 50;

    public static TraceCompleted Build(TraceRecord trace, IReadOnlyList<ObservationRecord> observations, int revision)
    {
        var generations = observations.Where(o => o.Type == ObservationTypes.Generation).OrderBy(o => o.EndTime ?? o.StartTime).ToList();
        var root = generations.FirstOrDefault(g => g.ParentId is null) ?? generations.FirstOrDefault();
        var last = generations.LastOrDefault();
        var retrievals = observations.Where(o => o.Type == ObservationTypes.Retrieval).OrderBy(o => o.StartTime).ToList();
        var documents = retrievals.SelectMany(r => Documents(r.Output)).ToList();
        if (documents.Count == 0)
            documents = generations.SelectMany(g => GatewayContexts(g.Metadata)).ToList();
        // The gateway keeps the requested model beside the served one (metadata requestedModel), OTLP keeps the request model
        // that lost to the response model as an attribute: then the observation's model is the one the provider served.
        var requestedModel = last is null ? null : MetadataText(last.Metadata, "requestedModel") ?? MetadataText(last.Metadata, "gen_ai.request.model");
        var started = Utc(trace.StartTime);
        var ended = trace.EndTime is { } end ? Utc(end) : Utc(trace.LastActivityAt);

        return new TraceCompleted
        {
            TraceId = trace.Id,
            ProjectId = trace.ProjectId,
            Revision = revision,
            Name = trace.Name,
            UserId = trace.UserId,
            SessionId = trace.SessionId,
            Feature = trace.Feature,
            PromptName = last?.PromptName ?? root?.PromptName,
            PromptVersion = last?.PromptVersion ?? root?.PromptVersion,
            Model = requestedModel ?? last?.Model,
            ResponseModel = requestedModel is null ? null : last?.Model,
            Provider = last?.Provider,
            DataSourceId = retrievals.Select(r => MetadataText(r.Metadata, "dataSourceId") ?? MetadataText(r.Metadata, "gen_ai.data_source.id"))
                .FirstOrDefault(s => s is not null),
            Question = Question(trace.Input) ?? Question(root?.Input),
            Answer = AnswerText(trace.Output) ?? AnswerText(last?.Output),
            RetrievedDocuments = documents.Take(MaxDocuments).ToList(),
            InputTokens = generations.Sum(g => g.InputTokens ?? 0),
            OutputTokens = generations.Sum(g => g.OutputTokens ?? 0),
            LatencyMs = Math.Max(0, (ended - started).TotalMilliseconds),
            Status = trace.Status,
            ObservationCount = observations.Count,
            IsEvaluatorTraffic = generations.Any(g => MetadataText(g.Metadata, "evaluatorTraffic") == "true"),
            StartedAt = started,
            CompletedAt = ended,
            Metadata = Strings(trace.Metadata),
        };
    }

    /// <summary>The last user message of a chat input (the messages array), or the input itself when it is plain text.</summary>
    private static string? Question(string? input)
    {
        if (input is null)
            return null;
        if (Parse(input) is not { } json)
            return input;
        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.String)
                return root.GetString();
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("messages", out var inner))
                root = inner;
            if (root.ValueKind != JsonValueKind.Array)
                return input;
            string? question = null;
            foreach (var message in root.EnumerateArray())
            {
                if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
                    && role.GetString() == "user" && ContentText(message) is { } text)
                    question = text;
            }
            return question;
        }
    }

    /// <summary>An answer stored as text, or the assistant text inside an output-messages array.</summary>
    private static string? AnswerText(string? output)
    {
        if (output is null || Parse(output) is not { } json)
            return output;
        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.String)
                return root.GetString();
            if (root.ValueKind == JsonValueKind.Array && root.EnumerateArray().Select(ContentText).LastOrDefault(t => t is not null) is { } text)
                return text;
            return root.ValueKind == JsonValueKind.Object && ContentText(root) is { } single ? single : output;
        }
    }

    /// <summary>A message's text: a string content, text parts, or OTel GenAI's parts with <c>content</c>.</summary>
    private static string? ContentText(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object)
            return null;
        if (message.TryGetProperty("content", out var content))
        {
            if (content.ValueKind == JsonValueKind.String)
                return content.GetString();
            if (content.ValueKind == JsonValueKind.Array)
                return JoinParts(content, "text");
        }
        return message.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array ? JoinParts(parts, "content") : null;
    }

    private static string? JoinParts(JsonElement parts, string field)
    {
        var texts = parts.EnumerateArray()
            .Select(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty(field, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : p.ValueKind == JsonValueKind.String ? p.GetString() : null)
            .OfType<string>().ToList();
        return texts.Count == 0 ? null : string.Join("\n", texts);
    }

    /// <summary>A retrieval's output: a JSON array of documents (objects with content/text/page_content, or strings).</summary>
    private static IEnumerable<RetrievedDocument> Documents(string? output)
    {
        if (output is null || Parse(output) is not { } json)
            yield break;
        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("documents", out var inner))
                root = inner;
            if (root.ValueKind != JsonValueKind.Array)
                yield break;
            foreach (var item in root.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                    yield return new RetrievedDocument { Content = item.GetString()! };
                else if (item.ValueKind == JsonValueKind.Object
                         && (Text(item, "content") ?? Text(item, "text") ?? Text(item, "page_content")) is { } content)
                {
                    yield return new RetrievedDocument
                    {
                        Id = Text(item, "id"),
                        Content = content,
                        Score = item.TryGetProperty("score", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : null,
                        Source = Text(item, "source"),
                    };
                }
            }
        }
    }

    /// <summary>RAG documents the gateway placed into a request (x-llmops-context), kept in the generation's metadata.</summary>
    private static IEnumerable<RetrievedDocument> GatewayContexts(string? metadata)
    {
        if (metadata is null || Parse(metadata) is not { } json)
            yield break;
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("contexts", out var contexts)
                || contexts.ValueKind != JsonValueKind.Array)
                yield break;
            foreach (var context in contexts.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String))
                yield return new RetrievedDocument { Content = context.GetString()!, Source = "x-llmops-context" };
        }
    }

    private static string? MetadataText(string? metadata, string name)
    {
        if (metadata is null || Parse(metadata) is not { } json)
            return null;
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty(name, out var value))
                return null;
            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            };
        }
    }

    private static Dictionary<string, string> Strings(string? metadata)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is null || Parse(metadata) is not { } json)
            return result;
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                return result;
            foreach (var property in json.RootElement.EnumerateObject())
                result[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }
        return result;
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonDocument? Parse(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
