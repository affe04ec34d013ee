using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.LlmSimulator.Features.Chat;

namespace LlmOps.LlmSimulator.Features.Anthropic;

/// <summary>
/// Reads an Anthropic Messages API request into the simulator's neutral <see cref="ChatRequest"/>, so one planner
/// answers both APIs the same way for the same conversation.
/// </summary>
public static class AnthropicRequest
{
    public static (ChatRequest? Request, string? Error) Parse(JsonNode? body)
    {
        if (body is not JsonObject root)
            return (null, "The request body must be a JSON object.");
        if (root["model"] is not JsonValue m || !m.TryGetValue<string>(out var model) || string.IsNullOrWhiteSpace(model))
            return (null, "model: Field required");
        if (root["max_tokens"] is not JsonValue mt || !mt.TryGetValue<int>(out var maxTokens) || maxTokens < 1)
            return (null, "max_tokens: Field required");
        if (root["messages"] is not JsonArray messagesNode || messagesNode.Count == 0)
            return (null, "messages: at least one message is required");

        var messages = new List<ChatMessage>();
        if (Text(root["system"]) is { Length: > 0 } system)
            messages.Add(new ChatMessage("system", system, null));
        var lastIsToolResult = false;
        foreach (var node in messagesNode)
        {
            if (node is not JsonObject message || message["role"]?.GetValueKind() != JsonValueKind.String)
                return (null, "messages: each message needs a role");
            var role = message["role"]!.GetValue<string>();
            if (role is not ("user" or "assistant"))
                return (null, $"messages: unexpected role \"{role}\"");
            lastIsToolResult = message["content"] is JsonArray blocks
                && blocks.OfType<JsonObject>().Any(b => b["type"]?.GetValue<string>() == "tool_result");
            messages.Add(new ChatMessage(lastIsToolResult ? "tool" : role, Text(message["content"]), null));
        }

        var tools = root["tools"] is JsonArray { Count: > 0 } anthropicTools
            ? new JsonArray(anthropicTools.OfType<JsonObject>().Select(t => (JsonNode)new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = t["name"]?.DeepClone(),
                    ["parameters"] = t["input_schema"]?.DeepClone(),
                },
            }).ToArray())
            : null;
        JsonNode? toolChoice = (root["tool_choice"] as JsonObject)?["type"]?.GetValue<string>() switch
        {
            "any" => "required",
            "tool" => new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = root["tool_choice"]!["name"]?.DeepClone() } },
            "none" => "none",
            _ => null,
        };

        return (new ChatRequest(
            model,
            messages,
            messagesNode.ToJsonString() + (root["system"]?.ToJsonString() ?? ""),
            root["stream"]?.GetValueKind() == JsonValueKind.True,
            IncludeUsage: true,
            maxTokens,
            JsonMode: false,
            tools,
            toolChoice,
            Seed: null), null);
    }

    /// <summary>Content as text: a string, or the text of text blocks and tool results.</summary>
    private static string? Text(JsonNode? content) => content switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonArray blocks => string.Join("\n", blocks.OfType<JsonObject>().Select(b => b["type"]?.GetValue<string>() switch
        {
            "text" => b["text"]?.GetValue<string>() ?? "",
            "tool_result" => Text(b["content"]) ?? "",
            _ => "",
        })),
        _ => null,
    };
}
