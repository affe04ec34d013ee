using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LlmOps.InferenceProxy.Features.Prompts;

/// <summary>
/// Serving a managed prompt: <c>x-llmops-prompt: name</c> (the <c>production</c> label), <c>name@label</c> or
/// <c>name#version</c>. A label that splits traffic picks a version by a hash of the caller (user, else session, else
/// trace), so one user keeps seeing one version. The version's messages, with <c>{{variables}}</c> filled in, go before
/// the caller's own messages; its model and parameters apply where the request sets none.
/// </summary>
public sealed partial class PromptResolver(PromptCache cache)
{
    public const string PromptHeader = "x-llmops-prompt";
    public const string VariablesHeader = "x-llmops-prompt-variables";

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9][A-Za-z0-9._\-]{0,127})(?:@(?<label>[A-Za-z0-9._\-]{1,64})|#(?<version>[0-9]{1,9}))?$")]
    private static partial Regex Reference();

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")]
    private static partial Regex Variable();

    public sealed record Resolution(PromptSnapshot Prompt, PromptVersionView Version, string? Label);

    public sealed record Failure(int Status, string Code, string Message);

    public (Resolution? Resolution, Failure? Failure) Resolve(string projectId, string reference, string stickyKey)
    {
        var match = Reference().Match(reference.Trim());
        if (!match.Success)
            return (null, new Failure(400, "invalid_prompt_reference", $"{PromptHeader} must be name, name@label or name#version."));
        var name = match.Groups["name"].Value;
        var prompt = cache.Get(projectId, name);
        if (prompt is null)
            return (null, new Failure(404, "prompt_not_found", $"No prompt named '{name}' in this project."));

        if (match.Groups["version"].Success)
        {
            var number = int.Parse(match.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture);
            return prompt.Versions.TryGetValue(number, out var exact)
                ? (new Resolution(prompt, exact, null), null)
                : (null, new Failure(404, "prompt_version_not_found", $"Prompt '{name}' has no version {number}."));
        }

        var label = match.Groups["label"].Success ? match.Groups["label"].Value : PromptSnapshot.DefaultLabel;
        var target = prompt.Label(label);
        if (target is null)
            return (null, new Failure(404, "prompt_label_not_found", $"Prompt '{name}' has no label '{label}'."));
        var version = target.Version ?? Pick(target.Split!, $"{name}@{label}|{stickyKey}");
        return (new Resolution(prompt, prompt.Versions[version], label), null);
    }

    /// <summary>A version from a weighted split, the same one every time for the same key.</summary>
    public static int Pick(IReadOnlyList<SplitPart> split, string stickyKey)
    {
        var total = split.Sum(p => p.Weight);
        var point = (int)(Hash(stickyKey) % (ulong)total);
        foreach (var part in split)
        {
            if (point < part.Weight)
                return part.Version;
            point -= part.Weight;
        }
        return split[^1].Version;
    }

    /// <summary>The version's messages with variables filled in; the names of any variable not given.</summary>
    public static (JsonArray Messages, IReadOnlyList<string> Missing) Render(PromptVersionView version, IReadOnlyDictionary<string, string> variables)
    {
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var messages = new JsonArray();
        foreach (var message in version.Messages)
        {
            var content = Variable().Replace(message.Content, m =>
            {
                if (variables.TryGetValue(m.Groups[1].Value, out var value))
                    return value;
                missing.Add(m.Groups[1].Value);
                return m.Value;
            });
            messages.Add(new JsonObject { ["role"] = message.Role, ["content"] = content });
        }
        return (messages, missing.ToList());
    }

    /// <summary>Every variable a version's messages use.</summary>
    public static IReadOnlyList<string> Variables(IEnumerable<PromptMessage> messages) =>
        messages.SelectMany(m => Variable().Matches(m.Content).Select(x => x.Groups[1].Value)).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Variables from a JSON object: strings as they are, other values as their JSON text.</summary>
    public static Dictionary<string, string>? ReadVariables(JsonNode? node)
    {
        if (node is not JsonObject values)
            return null;
        return values.ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.TryGetValue<string>(out var text) ? text : p.Value?.ToJsonString() ?? "");
    }

    public static Dictionary<string, string>? ParseVariablesHeader(string header)
    {
        try
        {
            return ReadVariables(JsonNode.Parse(header));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ulong Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        // FNV's low bits are weak on short inputs; a final avalanche spreads them before the modulo.
        hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9UL;
        hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebUL;
        return hash ^ (hash >> 31);
    }
}
