using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Caching;

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
        Record(call, completion.Id, completion.Text, completion.ToolCallsJson, options.MaxCapturedChars);
    }

    public static void RecordStream(GatewayCall call, StreamAccumulator accumulator, InferenceProxyOptions options)
    {
        call.ServedModel = accumulator.Model;
        call.FinishReason = accumulator.FinishReason;
        // No usage chunk (a provider that ignores include_usage, or a stream cut short): count the content chunks,
        // roughly one token each, and say the figure is an estimate.
        call.Usage = accumulator.Usage ?? new TokenUsage { OutputTokens = accumulator.ContentChunks, Estimated = true };
        Record(call, accumulator.Id, accumulator.Text, accumulator.ToolCallsJson, options.MaxCapturedChars,
            complete: accumulator.SawDone);
    }

    /// <summary>
    /// Keeps the answer for the cache (whole, only when complete and with usage that is not estimated) and, when the
    /// project captures content, for the event (cut to the capture limit).
    /// </summary>
    private static void Record(GatewayCall call, string? id, string? text, string? toolCallsJson, int maxChars, bool complete = true)
    {
        if (call.CacheKey is not null && complete && call.FinishReason is { } finish && !call.Usage.Estimated)
            call.Answer = new CachedCompletion(id ?? "chatcmpl-cached", call.ServedModel ?? call.RequestedModel, text, toolCallsJson, finish, call.Usage);
        if (!call.CaptureContent)
            return;
        var truncated = call.ContentTruncated;
        call.Completion = text is null ? null : ResponseInspector.Truncate(text, maxChars, ref truncated);
        call.ToolCallsJson = toolCallsJson;
        call.ContentTruncated = truncated;
    }
}
