using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmOps.LlmSimulator.Features.Directives;
using LlmOps.LlmSimulator.Text;

namespace LlmOps.LlmSimulator.Features.Chat;

/// <summary>
/// What the simulator will answer, decided before the first byte is written: the same request always gets the same
/// content, tool call and usage (only ids and timestamps differ).
/// </summary>
public sealed record CompletionPlan(
    string Model,
    string? Content,
    ToolCallPlan? ToolCall,
    IReadOnlyList<string> Pieces,
    string FinishReason,
    int PromptTokens,
    int CompletionTokens,
    int CachedTokens,
    int ReasoningTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;

    public static CompletionPlan Create(ChatRequest request, SimDirectives directives, SimulatorOptions options)
    {
        var seed = StableHash.Of(request.Model + "\n" + request.MessagesJson + "\n" + request.Seed);
        var promptTokens = SimTokenizer.CountPrompt(
            request.Messages.Select(m => (m.Role, m.Content, m.Name)), request.Tools?.ToJsonString());
        var model = directives.ServedModel ?? request.Model;
        var cached = Math.Min(directives.CachedTokens, promptTokens);

        if (WantsToolCall(request, directives) is { } tool)
        {
            var arguments = ArgumentsFor(tool);
            var argumentPieces = SimTokenizer.Split(arguments);
            var call = new ToolCallPlan($"call_{seed:x16}", tool["name"]!.GetValue<string>(), arguments);
            return new CompletionPlan(model, null, call, argumentPieces, "tool_calls", promptTokens,
                argumentPieces.Count + directives.ReasoningTokens, cached, directives.ReasoningTokens);
        }

        var content = ScriptedAnswer(request, directives, options)
            ?? Generated(request, directives, seed);
        var pieces = SimTokenizer.Split(content);
        var finish = "stop";
        if (request.MaxTokens is { } max && pieces.Count > max)
        {
            pieces = pieces.Take(max).ToList();
            content = string.Concat(pieces);
            finish = "length";
        }
        return new CompletionPlan(model, content, null, pieces, finish, promptTokens,
            pieces.Count + directives.ReasoningTokens, cached, directives.ReasoningTokens);
    }

    private static string? ScriptedAnswer(ChatRequest request, SimDirectives directives, SimulatorOptions options)
    {
        if (directives.Response is { } scripted)
            return scripted;
        if (directives.Echo)
            return request.LastUserMessage ?? "";
        var last = request.LastUserMessage;
        if (last is null)
            return null;
        foreach (var rule in options.Rules)
        {
            if (rule.Match.Length > 0 && Regex.IsMatch(last, rule.Match, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromMilliseconds(100)))
                return rule.Response;
        }
        return null;
    }

    private static string Generated(ChatRequest request, SimDirectives directives, ulong seed)
    {
        var count = directives.CompletionTokens ?? (int)(8 + seed % 33);
        var sentence = Vocabulary.Sentence(seed, count);
        return request.JsonMode ? $"{{\"answer\": \"{sentence}\"}}" : sentence;
    }

    /// <summary>
    /// The function to call, when the request offers tools and asks for a call (tool_choice "required" or a named
    /// function, or the <c>tool-call</c> directive) and the conversation does not already end with a tool result.
    /// </summary>
    private static JsonObject? WantsToolCall(ChatRequest request, SimDirectives directives)
    {
        if (request.Tools is null || request.Messages[^1].Role == "tool")
            return null;
        var functions = request.Tools.OfType<JsonObject>().Select(t => t["function"] as JsonObject).OfType<JsonObject>().ToList();
        if (functions.Count == 0)
            return null;

        var choice = request.ToolChoice;
        if (choice is JsonObject named && named["function"]?["name"]?.GetValue<string>() is { } name)
            return functions.FirstOrDefault(f => f["name"]?.GetValue<string>() == name);
        var required = choice is JsonValue v && v.TryGetValue<string>(out var mode) && mode == "required";
        return required || directives.ToolCall ? functions[0] : null;
    }

    /// <summary>Arguments that satisfy the function's declared parameters: strings, numbers and booleans by type.</summary>
    private static string ArgumentsFor(JsonObject function)
    {
        var arguments = new JsonObject();
        if (function["parameters"]?["properties"] is JsonObject properties)
        {
            foreach (var (name, schema) in properties)
            {
                arguments[name] = schema?["type"]?.GetValue<string>() switch
                {
                    "integer" or "number" => 1,
                    "boolean" => true,
                    "array" => new JsonArray(),
                    "object" => new JsonObject(),
                    _ => "sim",
                };
            }
        }
        return arguments.ToJsonString();
    }
}

public sealed record ToolCallPlan(string Id, string Name, string Arguments);
