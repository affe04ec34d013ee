using System.Text;
using System.Text.Json;
using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// Watches the chunks of a streamed chat completion as they pass through: the answer text, the finish reason, the
/// served model, and usage from whichever chunk carries it (OpenAI sends a final chunk with no choices; other
/// providers put usage on the last chunk that still has choices).
/// </summary>
public sealed class StreamAccumulator(int maxCapturedChars)
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _toolArguments = new();
    private string? _toolName;

    public TokenUsage? Usage { get; private set; }
    public string? Model { get; private set; }
    public string? FinishReason { get; private set; }
    public int ContentChunks { get; private set; }
    public bool SawDone { get; private set; }
    public bool Truncated { get; private set; }

    public string? Text => _text.Length > 0 ? _text.ToString() : null;

    public string? ToolCallsJson => _toolName is null ? null
        : JsonSerializer.Serialize(new[] { new { type = "function", function = new { name = _toolName, arguments = _toolArguments.ToString() } } });

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
                Append(_text, content);
                produced = true;
            }
            if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    if (!call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                        continue;
                    _toolName ??= ResponseInspector.StringOrNull(function, "name");
                    if (ResponseInspector.StringOrNull(function, "arguments") is { Length: > 0 } arguments)
                        Append(_toolArguments, arguments);
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

    private void Append(StringBuilder builder, string text)
    {
        var room = maxCapturedChars - builder.Length;
        if (room <= 0)
        {
            Truncated = true;
            return;
        }
        if (text.Length > room)
        {
            builder.Append(text, 0, room);
            Truncated = true;
            return;
        }
        builder.Append(text);
    }
}
