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

    public static string Compute(string projectId, string? prompt, JsonObject body)
    {
        var text = new StringBuilder(1024);
        text.Append(projectId).Append('\n').Append(prompt).Append('\n');
        WriteCanonical(text, body, topLevel: true);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static void WriteCanonical(StringBuilder text, JsonNode? node, bool topLevel = false)
    {
        switch (node)
        {
            case JsonObject obj:
                text.Append('{');
                foreach (var (name, value) in obj.Where(p => !topLevel || !Ignored.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append('"').Append(name).Append("\":");
                    WriteCanonical(text, value);
                    text.Append(',');
                }
                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                foreach (var item in array)
                {
                    WriteCanonical(text, item);
                    text.Append(',');
                }
                text.Append(']');
                break;
            case null:
                text.Append("null");
                break;
            default:
                text.Append(node.ToJsonString());
                break;
        }
    }
}
