using System.Buffers;
using System.Text;
using System.Text.Json;

namespace LlmOps.LlmSimulator.Features.Chat;

/// <summary>Writes chat completions in OpenAI's JSON and server-sent-event shapes.</summary>
public static class ChatResponseWriter
{
    private const string Fingerprint = "fp_llmops_sim";
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public static byte[] Completion(CompletionPlan plan, string id, long created)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteHeader(json, id, "chat.completion", created, plan.Model);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            if (plan.Content is null)
                json.WriteNull("content");
            else
                json.WriteString("content", plan.Content);
            json.WriteNull("refusal");
            if (plan.ToolCall is { } call)
                WriteToolCall(json, call, index: null, call.Arguments);
            json.WriteEndObject();
            json.WriteNull("logprobs");
            json.WriteString("finish_reason", plan.FinishReason);
            json.WriteEndObject();
            json.WriteEndArray();
            WriteUsage(json, plan);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The first chunk: the assistant role (and the tool call's id and name when the answer is a call).</summary>
    public static byte[] RoleChunk(CompletionPlan plan, string id, long created, bool includeUsageNull) =>
        Chunk(plan, id, created, includeUsageNull, json =>
        {
            json.WriteString("role", "assistant");
            if (plan.ToolCall is { } call)
            {
                json.WriteNull("content");
                WriteToolCall(json, call, index: 0, arguments: "");
            }
            else
            {
                json.WriteString("content", "");
            }
        }, finishReason: null, usage: false);

    public static byte[] PieceChunk(CompletionPlan plan, string id, long created, string piece, bool includeUsageNull) =>
        Chunk(plan, id, created, includeUsageNull, json =>
        {
            if (plan.ToolCall is null)
            {
                json.WriteString("content", piece);
                return;
            }
            json.WriteStartArray("tool_calls");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("function");
            json.WriteString("arguments", piece);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
        }, finishReason: null, usage: false);

    public static byte[] FinishChunk(CompletionPlan plan, string id, long created, bool includeUsageNull, bool withUsage) =>
        Chunk(plan, id, created, includeUsageNull, _ => { }, plan.FinishReason, withUsage);

    /// <summary>OpenAI's terminal usage chunk: no choices, only usage.</summary>
    public static byte[] UsageChunk(CompletionPlan plan, string id, long created)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteHeader(json, id, "chat.completion.chunk", created, plan.Model);
            json.WriteStartArray("choices");
            json.WriteEndArray();
            WriteUsage(json, plan);
            json.WriteEndObject();
        }
        return Frame(buffer.WrittenSpan);
    }

    public static ReadOnlyMemory<byte> DoneEvent => Done;

    private static byte[] Chunk(CompletionPlan plan, string id, long created, bool includeUsageNull,
        Action<Utf8JsonWriter> writeDelta, string? finishReason, bool usage)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteHeader(json, id, "chat.completion.chunk", created, plan.Model);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("delta");
            writeDelta(json);
            json.WriteEndObject();
            json.WriteNull("logprobs");
            if (finishReason is null)
                json.WriteNull("finish_reason");
            else
                json.WriteString("finish_reason", finishReason);
            json.WriteEndObject();
            json.WriteEndArray();
            if (usage)
                WriteUsage(json, plan);
            else if (includeUsageNull)
                json.WriteNull("usage");
            json.WriteEndObject();
        }
        return Frame(buffer.WrittenSpan);
    }

    /// <summary>A one-element tool_calls array; streamed deltas carry an index, complete messages do not.</summary>
    private static void WriteToolCall(Utf8JsonWriter json, ToolCallPlan call, int? index, string arguments)
    {
        json.WriteStartArray("tool_calls");
        json.WriteStartObject();
        if (index is { } i)
            json.WriteNumber("index", i);
        json.WriteString("id", call.Id);
        json.WriteString("type", "function");
        json.WriteStartObject("function");
        json.WriteString("name", call.Name);
        json.WriteString("arguments", arguments);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static byte[] Frame(ReadOnlySpan<byte> json)
    {
        var framed = new byte[DataPrefix.Length + json.Length + EventEnd.Length];
        DataPrefix.CopyTo(framed, 0);
        json.CopyTo(framed.AsSpan(DataPrefix.Length));
        EventEnd.CopyTo(framed, DataPrefix.Length + json.Length);
        return framed;
    }

    private static void WriteHeader(Utf8JsonWriter json, string id, string kind, long created, string model)
    {
        json.WriteString("id", id);
        json.WriteString("object", kind);
        json.WriteNumber("created", created);
        json.WriteString("model", model);
        json.WriteString("system_fingerprint", Fingerprint);
    }

    private static void WriteUsage(Utf8JsonWriter json, CompletionPlan plan)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", plan.PromptTokens);
        json.WriteNumber("completion_tokens", plan.CompletionTokens);
        json.WriteNumber("total_tokens", plan.TotalTokens);
        json.WriteStartObject("prompt_tokens_details");
        json.WriteNumber("cached_tokens", plan.CachedTokens);
        json.WriteNumber("audio_tokens", 0);
        json.WriteEndObject();
        json.WriteStartObject("completion_tokens_details");
        json.WriteNumber("reasoning_tokens", plan.ReasoningTokens);
        json.WriteNumber("audio_tokens", 0);
        json.WriteNumber("accepted_prediction_tokens", 0);
        json.WriteNumber("rejected_prediction_tokens", 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>A body that starts like a completion and stops mid-string: what a broken upstream sends.</summary>
    public static byte[] Malformed(string id) =>
        Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"object\":\"chat.completion\",\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assis");
}
