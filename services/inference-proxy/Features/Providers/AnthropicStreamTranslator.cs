using System.Text.Json.Nodes;

namespace LlmOps.InferenceProxy.Features.Providers;

/// <summary>
/// Anthropic's streamed events (message_start, content_block_start/delta/stop, message_delta, message_stop, ping,
/// error) as OpenAI chat.completion.chunk payloads: text deltas become content deltas, tool_use blocks become
/// tool_calls (with an OpenAI index per tool block), the stop reason becomes the finish_reason, and usage (input from
/// message_start, output from message_delta) comes in a final chunk without choices, then <c>[DONE]</c>.
/// </summary>
public sealed class AnthropicStreamTranslator
{
    private readonly Dictionary<int, int> _toolIndexByBlock = [];
    private string _id = "";
    private string _model = "";
    private JsonObject? _startUsage;
    private long? _outputTokens;
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public IEnumerable<string> Translate(string? eventName, string data)
    {
        JsonObject? payload;
        try
        {
            payload = JsonNode.Parse(data) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            yield break;
        }
        var type = (payload?["type"] as JsonValue)?.GetValue<string>() ?? eventName;
        switch (type)
        {
            case "message_start":
                var message = payload!["message"] as JsonObject;
                _id = (message?["id"] as JsonValue)?.GetValue<string>() ?? "";
                _model = (message?["model"] as JsonValue)?.GetValue<string>() ?? "";
                _startUsage = message?["usage"]?.DeepClone() as JsonObject;
                yield return Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
                break;
            case "content_block_start" when payload!["content_block"] is JsonObject block && (block["type"] as JsonValue)?.GetValue<string>() == "tool_use":
                var index = _toolIndexByBlock.Count;
                _toolIndexByBlock[(payload["index"] as JsonValue)?.GetValue<int>() ?? 0] = index;
                yield return Chunk(new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["index"] = index,
                        ["id"] = block["id"]?.DeepClone(),
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = block["name"]?.DeepClone(), ["arguments"] = "" },
                    }),
                }, null);
                break;
            case "content_block_delta" when payload!["delta"] is JsonObject delta:
                switch ((delta["type"] as JsonValue)?.GetValue<string>())
                {
                    case "text_delta":
                        yield return Chunk(new JsonObject { ["content"] = delta["text"]?.DeepClone() }, null);
                        break;
                    case "input_json_delta":
                        var toolIndex = _toolIndexByBlock.GetValueOrDefault((payload["index"] as JsonValue)?.GetValue<int>() ?? 0);
                        yield return Chunk(new JsonObject
                        {
                            ["tool_calls"] = new JsonArray(new JsonObject
                            {
                                ["index"] = toolIndex,
                                ["function"] = new JsonObject { ["arguments"] = delta["partial_json"]?.DeepClone() },
                            }),
                        }, null);
                        break;
                }
                break;
            case "message_delta":
                if ((payload!["usage"] as JsonObject)?["output_tokens"] is JsonValue output && output.TryGetValue<long>(out var tokens))
                    _outputTokens = tokens;
                var stopReason = (payload["delta"]?["stop_reason"] as JsonValue)?.GetValue<string>();
                yield return Chunk(new JsonObject(), AnthropicTranslation.FinishReason(stopReason));
                break;
            case "message_stop":
                yield return new JsonObject
                {
                    ["id"] = _id,
                    ["object"] = "chat.completion.chunk",
                    ["created"] = _created,
                    ["model"] = _model,
                    ["choices"] = new JsonArray(),
                    ["usage"] = AnthropicTranslation.Usage(_startUsage, _outputTokens),
                }.ToJsonString();
                yield return "[DONE]";
                break;
            case "error":
                // The stream cannot be continued; the gateway breaks the caller's connection and records why.
                throw new IOException("The upstream stream reported an error: " + payload?["error"]?.ToJsonString());
        }
    }

    private string Chunk(JsonObject delta, string? finishReason) => new JsonObject
    {
        ["id"] = _id,
        ["object"] = "chat.completion.chunk",
        ["created"] = _created,
        ["model"] = _model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        }),
    }.ToJsonString();
}
