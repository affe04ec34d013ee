using System.Text;
using System.Text.Json;
using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>Reads usage, model, finish reason and answer text out of OpenAI-shaped response bodies.</summary>
public static class ResponseInspector
{
    public sealed record Completion(string? Id, TokenUsage? Usage, string? Model, string? FinishReason, string? Text, string? ToolCallsJson);

    /// <summary>
    /// Inspects a 2xx chat completion body. Returns null with a reason when the body is not a completion: garbage,
    /// or an error object sent with a success status (an upstream that does that has failed).
    /// </summary>
    public static (Completion? Completion, string? Problem) ReadChatCompletion(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return (null, "the upstream answered with JSON that is not an object");
            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
                return (null, "the upstream answered 2xx with an error: " + ErrorMessage(error));
            if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
                return (null, "the upstream's answer has no choices");

            string? text = null, finish = null, toolCalls = null;
            if (choices.GetArrayLength() > 0)
            {
                var first = choices[0];
                finish = StringOrNull(first, "finish_reason");
                if (first.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
                {
                    text = StringOrNull(message, "content");
                    if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                        toolCalls = calls.GetRawText();
                }
            }
            return (new Completion(StringOrNull(root, "id"), ReadUsage(root), StringOrNull(root, "model"), finish, text, toolCalls), null);
        }
        catch (JsonException ex)
        {
            return (null, "the upstream's answer is not valid JSON: " + ex.Message);
        }
    }

    /// <summary>The completion body with the first choice's text replaced (an output rail masked it).</summary>
    public static byte[] WithContent(byte[] body, string? text)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(body)!;
        if (root["choices"]?[0]?["message"] is System.Text.Json.Nodes.JsonObject message)
            message["content"] = text;
        return JsonSerializer.SerializeToUtf8Bytes(root);
    }

    /// <summary>Usage in OpenAI's shape; cached and reasoning tokens from the detail objects when present.</summary>
    public static TokenUsage? ReadUsage(JsonElement root)
    {
        if (!root.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
            return null;
        return new TokenUsage
        {
            InputTokens = Long(usage, "prompt_tokens"),
            OutputTokens = Long(usage, "completion_tokens"),
            CachedInputTokens = usage.TryGetProperty("prompt_tokens_details", out var prompt) && prompt.ValueKind == JsonValueKind.Object
                ? Long(prompt, "cached_tokens") : 0,
            // Not an OpenAI field: providers with paid cache writes (Anthropic) report them here after translation.
            CacheWriteInputTokens = prompt.ValueKind == JsonValueKind.Object ? Long(prompt, "cache_creation_tokens") : 0,
            ReasoningTokens = usage.TryGetProperty("completion_tokens_details", out var completion) && completion.ValueKind == JsonValueKind.Object
                ? Long(completion, "reasoning_tokens") : 0,
        };
    }

    public static string ErrorMessage(JsonElement error) =>
        error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : error.GetRawText();

    /// <summary>The OpenAI error code or type in an upstream error body, if it has one.</summary>
    public static string? ErrorCode(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                return StringOrNull(error, "code") ?? StringOrNull(error, "type");
            }
        }
        catch (JsonException)
        {
            // Not JSON: there is no code to read.
        }
        return null;
    }

    public static string Truncate(string text, int max, ref bool truncated)
    {
        if (text.Length <= max)
            return text;
        truncated = true;
        return text[..max];
    }

    internal static string? StringOrNull(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Long(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : 0;

    public static string Preview(ReadOnlySpan<byte> body) =>
        Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]);
}
