using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmOps.LlmSimulator.Features.Chat;

/// <summary>The parts of an OpenAI chat completion request the simulator reads.</summary>
public sealed record ChatRequest(
    string Model,
    IReadOnlyList<ChatMessage> Messages,
    string MessagesJson,
    bool Stream,
    bool IncludeUsage,
    int? MaxTokens,
    bool JsonMode,
    JsonArray? Tools,
    JsonNode? ToolChoice,
    long? Seed)
{
    /// <summary>Parses a request body, or says (in OpenAI's words where it has them) what is wrong with it.</summary>
    public static (ChatRequest? Request, string? Error, string? Param) Parse(JsonNode? body)
    {
        if (body is not JsonObject root)
            return (null, "The request body must be a JSON object.", null);
        if (root["model"] is not JsonValue modelValue || !modelValue.TryGetValue<string>(out var model) || string.IsNullOrWhiteSpace(model))
            return (null, "you must provide a model parameter", "model");
        if (root["messages"] is not JsonArray messagesNode || messagesNode.Count == 0)
            return (null, "'messages' must be a non-empty array", "messages");

        var messages = new List<ChatMessage>(messagesNode.Count);
        foreach (var node in messagesNode)
        {
            if (node is not JsonObject message || message["role"]?.GetValueKind() != JsonValueKind.String)
                return (null, "Each message must be an object with a string 'role'.", "messages");
            messages.Add(new ChatMessage(
                message["role"]!.GetValue<string>(),
                ContentText(message["content"]),
                message["name"]?.GetValueKind() == JsonValueKind.String ? message["name"]!.GetValue<string>() : null));
        }

        var streamOptions = root["stream_options"] as JsonObject;
        var maxTokens = ReadInt(root["max_completion_tokens"]) ?? ReadInt(root["max_tokens"]);
        var format = (root["response_format"] as JsonObject)?["type"]?.GetValue<string>();
        return (new ChatRequest(
            model,
            messages,
            messagesNode.ToJsonString(),
            root["stream"]?.GetValueKind() == JsonValueKind.True,
            streamOptions?["include_usage"]?.GetValueKind() == JsonValueKind.True,
            maxTokens,
            format is "json_object" or "json_schema",
            root["tools"] as JsonArray is { Count: > 0 } tools ? tools : null,
            root["tool_choice"],
            root["seed"] is JsonValue seed && seed.TryGetValue<long>(out var s) ? s : null), null, null);
    }

    /// <summary>Message content as text: a string, or the text parts of a content-part array.</summary>
    private static string? ContentText(JsonNode? content) => content switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonArray parts => string.Join("\n", parts.OfType<JsonObject>()
            .Where(p => p["type"]?.GetValue<string>() == "text")
            .Select(p => p["text"]?.GetValue<string>() ?? "")),
        _ => null,
    };

    private static int? ReadInt(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<int>(out var number) ? number : null;

    public string? LastUserMessage => Messages.LastOrDefault(m => m.Role == "user")?.Content;
}

public sealed record ChatMessage(string Role, string? Content, string? Name);
