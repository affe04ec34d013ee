using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmOps.InferenceProxy.Features.Providers;

/// <summary>OpenAI chat requests to Anthropic messages, and Anthropic answers and errors back.</summary>
public static class AnthropicTranslation
{
    public static JsonObject ToAnthropic(JsonObject openAi)
    {
        var system = new List<string>();
        var messages = new JsonArray();
        foreach (var node in openAi["messages"] as JsonArray ?? [])
        {
            if (node is not JsonObject message)
                continue;
            switch (String(message["role"]))
            {
                case "system" or "developer":
                    system.Add(Text(message["content"]));
                    break;
                case "assistant":
                    var blocks = new JsonArray();
                    if (Text(message["content"]) is { Length: > 0 } said)
                        blocks.Add(new JsonObject { ["type"] = "text", ["text"] = said });
                    foreach (var call in (message["tool_calls"] as JsonArray ?? []).OfType<JsonObject>())
                    {
                        blocks.Add(new JsonObject
                        {
                            ["type"] = "tool_use",
                            ["id"] = call["id"]?.DeepClone(),
                            ["name"] = call["function"]?["name"]?.DeepClone(),
                            ["input"] = ParseArguments(String(call["function"]?["arguments"])),
                        });
                    }
                    Append(messages, "assistant", blocks);
                    break;
                case "tool":
                    Append(messages, "user", new JsonArray(new JsonObject
                    {
                        ["type"] = "tool_result",
                        ["tool_use_id"] = message["tool_call_id"]?.DeepClone(),
                        ["content"] = Text(message["content"]),
                    }));
                    break;
                default:
                    Append(messages, "user", UserBlocks(message["content"]));
                    break;
            }
        }

        var result = new JsonObject
        {
            ["model"] = openAi["model"]?.DeepClone(),
            ["max_tokens"] = Int(openAi["max_completion_tokens"]) ?? Int(openAi["max_tokens"]) ?? AnthropicAdapter.DefaultMaxTokens,
            ["messages"] = messages,
        };
        if (system.Count > 0)
            result["system"] = string.Join("\n\n", system);
        if (openAi["temperature"] is JsonValue temperature && temperature.TryGetValue<double>(out var t))
            result["temperature"] = Math.Min(1.0, t); // OpenAI allows up to 2, Anthropic up to 1.
        if (openAi["top_p"] is JsonValue topP)
            result["top_p"] = topP.DeepClone();
        if (openAi["stop"] is { } stop)
            result["stop_sequences"] = stop is JsonArray ? stop.DeepClone() : new JsonArray(stop.DeepClone());
        if (openAi["stream"] is JsonValue stream && stream.TryGetValue<bool>(out var streaming) && streaming)
            result["stream"] = true;
        if (openAi["user"] is JsonValue user)
            result["metadata"] = new JsonObject { ["user_id"] = user.DeepClone() };
        if (openAi["tools"] is JsonArray { Count: > 0 } tools)
        {
            result["tools"] = new JsonArray(tools.OfType<JsonObject>().Select(tool => (JsonNode)new JsonObject
            {
                ["name"] = tool["function"]?["name"]?.DeepClone(),
                ["description"] = tool["function"]?["description"]?.DeepClone(),
                ["input_schema"] = tool["function"]?["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() },
            }).ToArray());
            if (ToolChoice(openAi["tool_choice"], openAi["parallel_tool_calls"]) is { } choice)
                result["tool_choice"] = choice;
        }
        return result;
    }

    public static byte[]? ToOpenAiCompletion(byte[] body)
    {
        JsonObject? message;
        try
        {
            message = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        if (message is null || String(message["type"]) != "message" || message["content"] is not JsonArray content)
            return null;

        var text = string.Concat(content.OfType<JsonObject>().Where(b => String(b["type"]) == "text").Select(b => String(b["text"])));
        var toolCalls = new JsonArray(content.OfType<JsonObject>().Where(b => String(b["type"]) == "tool_use").Select(b => (JsonNode)new JsonObject
        {
            ["id"] = b["id"]?.DeepClone(),
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = b["name"]?.DeepClone(), ["arguments"] = b["input"]?.ToJsonString() ?? "{}" },
        }).ToArray());
        var assistant = new JsonObject { ["role"] = "assistant", ["content"] = text.Length > 0 ? text : null };
        if (toolCalls.Count > 0)
            assistant["tool_calls"] = toolCalls;

        var completion = new JsonObject
        {
            ["id"] = message["id"]?.DeepClone(),
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = message["model"]?.DeepClone(),
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = assistant,
                ["logprobs"] = null,
                ["finish_reason"] = FinishReason(String(message["stop_reason"])),
            }),
            ["usage"] = Usage(message["usage"] as JsonObject, null),
        };
        return JsonSerializer.SerializeToUtf8Bytes(completion);
    }

    public static byte[] ToOpenAiError(byte[] body)
    {
        string type = "api_error", text;
        try
        {
            var error = (JsonNode.Parse(body) as JsonObject)?["error"] as JsonObject;
            type = String(error?["type"]) ?? type;
            text = String(error?["message"]) ?? System.Text.Encoding.UTF8.GetString(body);
        }
        catch (JsonException)
        {
            text = System.Text.Encoding.UTF8.GetString(body);
        }
        var (openAiType, code) = type switch
        {
            "rate_limit_error" => ("rate_limit_exceeded", "rate_limit_exceeded"),
            "authentication_error" => ("invalid_request_error", "invalid_api_key"),
            "permission_error" => ("permission_error", "permission_denied"),
            "not_found_error" => ("invalid_request_error", "model_not_found"),
            "invalid_request_error" or "request_too_large" => ("invalid_request_error", type),
            _ => ("server_error", type),
        };
        return JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = text, ["type"] = openAiType, ["param"] = null, ["code"] = code },
        });
    }

    /// <summary>
    /// Anthropic usage in OpenAI's convention: prompt tokens include cache reads and writes (reported in the details),
    /// output tokens are completion tokens. <paramref name="outputTokens"/> overrides when a stream reported them last.
    /// </summary>
    public static JsonObject Usage(JsonObject? usage, long? outputTokens)
    {
        var input = Long(usage?["input_tokens"]);
        var cacheRead = Long(usage?["cache_read_input_tokens"]);
        var cacheWrite = Long(usage?["cache_creation_input_tokens"]);
        var output = outputTokens ?? Long(usage?["output_tokens"]);
        var prompt = input + cacheRead + cacheWrite;
        return new JsonObject
        {
            ["prompt_tokens"] = prompt,
            ["completion_tokens"] = output,
            ["total_tokens"] = prompt + output,
            ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = cacheRead, ["cache_creation_tokens"] = cacheWrite },
        };
    }

    public static string FinishReason(string? stopReason) => stopReason switch
    {
        "tool_use" => "tool_calls",
        "max_tokens" => "length",
        "refusal" => "content_filter",
        _ => "stop",
    };

    private static JsonObject? ToolChoice(JsonNode? choice, JsonNode? parallel)
    {
        JsonObject? result = choice switch
        {
            JsonValue v when v.TryGetValue<string>(out var mode) => mode switch
            {
                "required" => new JsonObject { ["type"] = "any" },
                "none" => new JsonObject { ["type"] = "none" },
                _ => new JsonObject { ["type"] = "auto" },
            },
            JsonObject named when String(named["function"]?["name"]) is { } name => new JsonObject { ["type"] = "tool", ["name"] = name },
            _ => null,
        };
        if (parallel is JsonValue p && p.TryGetValue<bool>(out var allowed) && !allowed)
        {
            result ??= new JsonObject { ["type"] = "auto" };
            result["disable_parallel_tool_use"] = true;
        }
        return result;
    }

    private static JsonArray UserBlocks(JsonNode? content)
    {
        if (content is not JsonArray parts)
            return new JsonArray(new JsonObject { ["type"] = "text", ["text"] = Text(content) });
        var blocks = new JsonArray();
        foreach (var part in parts.OfType<JsonObject>())
        {
            switch (String(part["type"]))
            {
                case "text":
                    blocks.Add(new JsonObject { ["type"] = "text", ["text"] = String(part["text"]) ?? "" });
                    break;
                case "image_url" when String(part["image_url"]?["url"]) is { } url:
                    blocks.Add(new JsonObject { ["type"] = "image", ["source"] = ImageSource(url) });
                    break;
            }
        }
        return blocks;
    }

    private static JsonObject ImageSource(string url)
    {
        // data:image/png;base64,AAAA → Anthropic's base64 source; anything else by URL.
        if (url.StartsWith("data:", StringComparison.Ordinal) && url.IndexOf(";base64,", StringComparison.Ordinal) is var comma and > 5)
            return new JsonObject { ["type"] = "base64", ["media_type"] = url[5..comma], ["data"] = url[(comma + 8)..] };
        return new JsonObject { ["type"] = "url", ["url"] = url };
    }

    /// <summary>Anthropic wants user and assistant turns to alternate: a message of the same role as the last joins it.</summary>
    private static void Append(JsonArray messages, string role, JsonArray blocks)
    {
        if (blocks.Count == 0)
            return;
        if (messages.Count > 0 && messages[^1] is JsonObject last && String(last["role"]) == role && last["content"] is JsonArray existing)
        {
            foreach (var block in blocks.ToList())
            {
                blocks.Remove(block);
                existing.Add(block);
            }
            return;
        }
        messages.Add(new JsonObject { ["role"] = role, ["content"] = blocks });
    }

    private static JsonNode ParseArguments(string? arguments)
    {
        try
        {
            return JsonNode.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments) as JsonObject ?? new JsonObject();
        }
        catch (JsonException)
        {
            return new JsonObject();
        }
    }

    private static string Text(JsonNode? content) => content switch
    {
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        JsonArray parts => string.Join("\n", parts.OfType<JsonObject>().Where(p => String(p["type"]) == "text").Select(p => String(p["text"]) ?? "")),
        _ => "",
    };

    private static string? String(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static int? Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var n) ? n : null;

    private static long Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0;
}
