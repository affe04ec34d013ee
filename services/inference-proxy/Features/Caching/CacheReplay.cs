using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace LlmOps.InferenceProxy.Features.Caching;

/// <summary>Answers from the cache in the shape the caller asked for: one JSON completion, or a stream of chunks.</summary>
public static class CacheReplay
{
    private const int PieceLength = 24;

    public static byte[] Json(CachedCompletion cached)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = cached.Content };
        if (cached.ToolCallsJson is { } calls)
            message["tool_calls"] = JsonNode.Parse(calls);
        var completion = new JsonObject
        {
            ["id"] = cached.Id,
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = cached.Model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["logprobs"] = null,
                ["finish_reason"] = cached.FinishReason,
            }),
            ["usage"] = Usage(cached),
        };
        return JsonSerializer.SerializeToUtf8Bytes(completion);
    }

    /// <summary>Streams the answer as OpenAI does: the role, the text in pieces, each tool call, the finish, usage if asked.</summary>
    public static async Task StreamAsync(HttpContext context, CachedCompletion cached, bool includeUsage, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        async Task Send(JsonObject? delta, string? finish, bool usage = false)
        {
            var chunk = new JsonObject
            {
                ["id"] = cached.Id,
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = cached.Model,
                ["choices"] = delta is null ? new JsonArray() : new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["delta"] = delta,
                    ["logprobs"] = null,
                    ["finish_reason"] = finish,
                }),
            };
            if (usage)
                chunk["usage"] = Usage(cached);
            await context.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", Encoding.UTF8, cancellationToken);
            await context.Response.Body.FlushAsync(cancellationToken);
        }

        await Send(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
        var text = cached.Content ?? "";
        for (var i = 0; i < text.Length; i += PieceLength)
            await Send(new JsonObject { ["content"] = text.Substring(i, Math.Min(PieceLength, text.Length - i)) }, null);
        if (cached.ToolCallsJson is { } calls && JsonNode.Parse(calls) is JsonArray toolCalls)
        {
            var index = 0;
            foreach (var call in toolCalls.OfType<JsonObject>())
            {
                var streamed = (JsonObject)call.DeepClone();
                streamed["index"] = index++;
                await Send(new JsonObject { ["tool_calls"] = new JsonArray(streamed) }, null);
            }
        }
        await Send(new JsonObject(), cached.FinishReason);
        if (includeUsage)
            await Send(null, null, usage: true);
        await context.Response.WriteAsync("data: [DONE]\n\n", cancellationToken);
    }

    private static JsonObject Usage(CachedCompletion cached) => new()
    {
        ["prompt_tokens"] = cached.Usage.InputTokens,
        ["completion_tokens"] = cached.Usage.OutputTokens,
        ["total_tokens"] = cached.Usage.TotalTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = cached.Usage.CachedInputTokens },
        ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = cached.Usage.ReasoningTokens },
    };
}
