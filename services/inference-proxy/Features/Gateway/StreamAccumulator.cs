using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// Watches the chunks of a streamed chat completion as they pass through: the answer text, every tool call (by its
/// index), the finish reason, the served model, and usage from whichever chunk carries it (OpenAI sends a final chunk
/// with no choices; other providers put usage on the last chunk that still has choices).
/// </summary>
public sealed class StreamAccumulator
{
    private readonly StringBuilder _text = new();
    private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> _tools = [];

    public string? Id { get; private set; }
    public TokenUsage? Usage { get; private set; }
    public string? Model { get; private set; }
    public string? FinishReason { get; private set; }
    public int ContentChunks { get; private set; }
    public bool SawDone { get; private set; }

    public string? Text => _text.Length > 0 ? _text.ToString() : null;

    public string? ToolCallsJson => _tools.Count == 0 ? null : new JsonArray(_tools.Values.Select(t => (JsonNode)new JsonObject
    {
        ["id"] = t.Id,
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = t.Name, ["arguments"] = t.Arguments.ToString() },
    }).ToArray()).ToJsonString();

    public enum ChunkKind
    {
        Other,
        Content,
        UsageOnly,
        Done,
    }

    /// <summary>Reads one event's data payload; malformed chunks are passed on untouched and not counted.</summary>
    public ChunkKind Observe(string data)
    {
        if (data == "[DONE]")
        {
            SawDone = true;
            return ChunkKind.Done;
        }
        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return ChunkKind.Other;
            Id ??= ResponseInspector.StringOrNull(root, "id");
            Model ??= ResponseInspector.StringOrNull(root, "model");
            var usage = ResponseInspector.ReadUsage(root);
            if (usage is not null)
                Usage = usage;

            var hasChoices = root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array
                && choices.GetArrayLength() > 0;
            if (!hasChoices)
                return usage is not null ? ChunkKind.UsageOnly : ChunkKind.Other;

            var choice = choices[0];
            if (ResponseInspector.StringOrNull(choice, "finish_reason") is { } finish)
                FinishReason = finish;
            if (!choice.TryGetProperty("delta", out var delta) || delta.ValueKind != JsonValueKind.Object)
                return ChunkKind.Other;

            var produced = false;
            if (ResponseInspector.StringOrNull(delta, "content") is { Length: > 0 } content)
            {
                _text.Append(content);
                produced = true;
            }
            if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    var index = call.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
                    var tool = _tools.TryGetValue(index, out var known) ? known : (null, null, new StringBuilder());
                    tool.Id ??= ResponseInspector.StringOrNull(call, "id");
                    if (call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
                    {
                        tool.Name ??= ResponseInspector.StringOrNull(function, "name");
                        if (ResponseInspector.StringOrNull(function, "arguments") is { Length: > 0 } arguments)
                            tool.Arguments.Append(arguments);
                    }
                    _tools[index] = tool;
                    produced = true;
                }
            }
            if (produced)
                ContentChunks++;
            return produced ? ChunkKind.Content : ChunkKind.Other;
        }
        catch (JsonException)
        {
            return ChunkKind.Other;
        }
    }
}
