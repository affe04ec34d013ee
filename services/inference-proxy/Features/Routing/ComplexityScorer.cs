using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LlmOps.InferenceProxy.Features.Routing;

/// <summary>
/// How hard a chat request looks, from 0 (trivial) to 1 (hard), for the complexity strategy: easy requests to the small
/// model, hard ones to the large one. A transparent heuristic over what the request carries, not a model:
/// <list type="bullet">
/// <item>reasoning cues in the last user message, 35 %: words such as "analyze", "step by step", "prove", "compare",
/// "design", "debug", "trade-off", "why" (two or more cues = full weight);</item>
/// <item>prompt size, 30 %: estimated tokens (characters ÷ 4) against 1,500;</item>
/// <item>tools offered, 10 %;</item>
/// <item>a JSON schema for the answer, 10 %;</item>
/// <item>code in the prompt (fenced blocks or common keywords), 10 %;</item>
/// <item>conversation length, 5 %: turns against 10.</item>
/// </list>
/// It is cheap (one pass over the messages, no allocation beyond the text) and its tests pin labelled examples.
/// </summary>
public static partial class ComplexityScorer
{
    [GeneratedRegex(@"\b(analy[sz]e|analysis|step[- ]by[- ]step|prove|proof|derive|compare|contrast|design|architect|debug|optimi[sz]e|trade[- ]?offs?|evaluate|reason|plan|why)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ReasoningCue();

    [GeneratedRegex(@"```|\b(def|class|function|public|return|select|import)\b\s", RegexOptions.CultureInvariant)]
    private static partial Regex CodeCue();

    public static double Score(JsonObject body)
    {
        var messages = body["messages"] as JsonArray ?? [];
        var characters = 0;
        string lastUser = "";
        var code = false;
        foreach (var message in messages.OfType<JsonObject>())
        {
            var text = Text(message["content"]);
            characters += text.Length;
            code |= CodeCue().IsMatch(text);
            if (message["role"] is JsonValue role && role.TryGetValue<string>(out var r) && r == "user")
                lastUser = text;
        }

        var size = Math.Min(1.0, characters / 4.0 / 1500.0);
        var cues = Math.Min(1.0, ReasoningCue().Count(lastUser) / 2.0);
        var tools = body["tools"] is JsonArray { Count: > 0 } ? 1.0 : 0.0;
        var schema = (body["response_format"] as JsonObject)?["type"] is JsonValue t && t.TryGetValue<string>(out var type) && type == "json_schema" ? 1.0 : 0.0;
        var turns = Math.Min(1.0, Math.Max(0, messages.Count - 1) / 10.0);

        return 0.35 * cues + 0.30 * size + 0.10 * tools + 0.10 * schema + 0.10 * (code ? 1 : 0) + 0.05 * turns;
    }

    private static string Text(JsonNode? content) => content switch
    {
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        JsonArray parts => string.Join("\n", parts.OfType<JsonObject>()
            .Select(p => p["text"] is JsonValue t && t.TryGetValue<string>(out var part) ? part : "")),
        _ => "",
    };
}
