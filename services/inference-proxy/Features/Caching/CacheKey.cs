using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace LlmOps.InferenceProxy.Features.Caching;

/// <summary>
/// The exact cache's key: SHA-256 over the project, the prompt version served, and the whole request in a canonical
/// form (object keys sorted, so key order does not matter): model, messages, every sampling parameter, tools,
/// response format and any provider-specific field. Left out are the fields that do not change the answer:
/// <c>stream</c> and <c>stream_options</c> (a streamed answer can serve a plain request and back), <c>user</c>,
/// <c>metadata</c> and <c>store</c>.
/// </summary>
public static class CacheKey
{
    private static readonly HashSet<string> Ignored = ["stream", "stream_options", "user", "metadata", "store"];

    public static string Compute(string projectId, string? prompt, JsonObject body) => Hash(projectId, prompt, body, partition: false);

    /// <summary>
    /// The semantic cache's partition: the same canonical request without its last message (the question that is
    /// matched by meaning), so everything else — model, parameters, system prompt, earlier turns — must be identical.
    /// </summary>
    public static string Partition(string projectId, string? prompt, JsonObject body) => Hash(projectId, prompt, body, partition: true);

    private static string Hash(string projectId, string? prompt, JsonObject body, bool partition)
    {
        var text = new StringBuilder(1024);
        text.Append(partition ? "semantic\n" : "").Append(projectId).Append('\n').Append(prompt).Append('\n');
        WriteCanonical(text, body, topLevel: true, dropLastMessage: partition);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static void WriteCanonical(StringBuilder text, JsonNode? node, bool topLevel = false, bool dropLastMessage = false)
    {
        switch (node)
        {
            case JsonObject obj:
                text.Append('{');
                foreach (var (name, value) in obj.Where(p => !topLevel || !Ignored.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append('"').Append(name).Append("\":");
                    if (dropLastMessage && name == "messages" && value is JsonArray messages)
                        WriteItems(text, messages.Take(messages.Count - 1));
                    else
                        WriteCanonical(text, value);
                    text.Append(',');
                }
                text.Append('}');
                break;
            case JsonArray array:
                WriteItems(text, array);
                break;
            case null:
                text.Append("null");
                break;
            default:
                text.Append(node.ToJsonString());
                break;
        }
    }

    private static void WriteItems(StringBuilder text, IEnumerable<JsonNode?> items)
    {
        text.Append('[');
        foreach (var item in items)
        {
            WriteCanonical(text, item);
            text.Append(',');
        }
        text.Append(']');
    }
}
