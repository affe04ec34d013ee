using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.LlmSimulator.Features.Chat;

namespace LlmOps.LlmSimulator.Features.Anthropic;

/// <summary>
/// Writes the simulator's answer in Anthropic's shapes. Usage follows Anthropic's convention: input_tokens excludes
/// cache reads and cache writes, which are reported beside it.
/// </summary>
public static class AnthropicResponseWriter
{
    public static JsonObject Usage(CompletionPlan plan, bool outputOnly = false)
    {
        if (outputOnly)
            return new JsonObject { ["output_tokens"] = plan.CompletionTokens };
        return new JsonObject
        {
            ["input_tokens"] = plan.PromptTokens - plan.CachedTokens,
            ["cache_creation_input_tokens"] = 0,
            ["cache_read_input_tokens"] = plan.CachedTokens,
            ["output_tokens"] = plan.CompletionTokens,
        };
    }

    public static string StopReason(CompletionPlan plan) => plan.FinishReason switch
    {
        "tool_calls" => "tool_use",
        "length" => "max_tokens",
        _ => "end_turn",
    };

    public static byte[] Message(CompletionPlan plan, string id)
    {
        var content = new JsonArray();
        if (plan.Content is { } text)
            content.Add(new JsonObject { ["type"] = "text", ["text"] = text });
        if (plan.ToolCall is { } call)
        {
            content.Add(new JsonObject
            {
                ["type"] = "tool_use",
                ["id"] = "toolu_" + call.Id["call_".Length..],
                ["name"] = call.Name,
                ["input"] = JsonNode.Parse(call.Arguments),
            });
        }
        var message = new JsonObject
        {
            ["id"] = id,
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = plan.Model,
            ["content"] = content,
            ["stop_reason"] = StopReason(plan),
            ["stop_sequence"] = null,
            ["usage"] = Usage(plan),
        };
        return JsonSerializer.SerializeToUtf8Bytes(message);
    }

    public static byte[] Event(string name, JsonObject data) =>
        Encoding.UTF8.GetBytes($"event: {name}\ndata: {data.ToJsonString()}\n\n");

    public static JsonObject Error(string type, string message) => new()
    {
        ["type"] = "error",
        ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
    };
}
