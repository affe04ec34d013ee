using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>What the gateway records of a chat's messages and answer (text capped per message and per answer).</summary>
public static class ContentCapture
{
    public static void CaptureMessages(GatewayCall call, JsonArray messages, int maxChars)
    {
        var truncated = false;
        var captured = new List<ContentMessage>(messages.Count);
        foreach (var node in messages)
        {
            if (node is not JsonObject message)
                continue;
            var text = message["content"] switch
            {
                JsonValue v when v.TryGetValue<string>(out var str) => str,
                JsonArray parts => string.Join("\n", parts.OfType<JsonObject>()
                    .Select(p => p["text"] is JsonValue t && t.TryGetValue<string>(out var part) ? part : null)
                    .OfType<string>()),
                _ => null,
            };
            captured.Add(new ContentMessage
            {
                Role = message["role"] is JsonValue r && r.TryGetValue<string>(out var role) ? role : "unknown",
                Content = text is null ? null : ResponseInspector.Truncate(text, maxChars, ref truncated),
                Name = message["name"] is JsonValue n && n.TryGetValue<string>(out var name) ? name : null,
            });
        }
        call.Messages = captured;
        call.ContentTruncated = truncated;
    }

    public static void RecordCompletion(GatewayCall call, ResponseInspector.Completion completion, InferenceProxyOptions options)
    {
        call.ServedModel = completion.Model;
        call.FinishReason = completion.FinishReason;
        call.Usage = completion.Usage ?? new TokenUsage { Estimated = true };
        if (!call.CaptureContent)
            return;
        var truncated = call.ContentTruncated;
        call.Completion = completion.Text is null ? null : ResponseInspector.Truncate(completion.Text, options.MaxCapturedChars, ref truncated);
        call.ToolCallsJson = completion.ToolCallsJson;
        call.ContentTruncated = truncated;
    }

    public static void RecordStream(GatewayCall call, StreamAccumulator accumulator)
    {
        call.ServedModel = accumulator.Model;
        call.FinishReason = accumulator.FinishReason;
        // No usage chunk (a provider that ignores include_usage, or a stream cut short): count the content chunks,
        // roughly one token each, and say the figure is an estimate.
        call.Usage = accumulator.Usage ?? new TokenUsage { OutputTokens = accumulator.ContentChunks, Estimated = true };
        if (!call.CaptureContent)
            return;
        call.Completion = accumulator.Text;
        call.ToolCallsJson = accumulator.ToolCallsJson;
        call.ContentTruncated |= accumulator.Truncated;
    }
}
