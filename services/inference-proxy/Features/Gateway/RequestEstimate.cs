using System.Text.Json.Nodes;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// A request's tokens before it runs, for charges settled afterwards (rate limits, budgets): the prompt at one token per
/// four characters of its JSON (an overestimate for ordinary text), and the output the caller capped it at, if any.
/// </summary>
public static class RequestEstimate
{
    public static (long PromptTokens, long? MaxOutputTokens) Of(JsonObject body)
    {
        var prompt = ((body["messages"] ?? body["input"])?.ToJsonString().Length ?? 0) / 4;
        long? output = (body["max_completion_tokens"] ?? body["max_tokens"]) is JsonValue v && v.TryGetValue<long>(out var max) ? max : null;
        return (prompt, output);
    }
}
