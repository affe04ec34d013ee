using System.Text.Json.Nodes;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// A request's tokens before it runs, for charges settled afterwards (rate limits, budgets): the prompt at one token per
/// four characters of its JSON (an overestimate for ordinary text) plus the chat format's own tokens (3 per message and 3
/// to prime the reply, as OpenAI counts them: without them a short message's estimate fell below its real count, and a
/// budget could be overspent by that difference), and the output the caller capped it at, if any.
/// </summary>
public static class RequestEstimate
{
    public static (long PromptTokens, long? MaxOutputTokens) Of(JsonObject body)
    {
        var content = body["messages"] ?? body["input"];
        var messages = content is JsonArray array ? array.Count : content is null ? 0 : 1;
        var prompt = (content?.ToJsonString().Length ?? 0) / 4 + 3 * messages + 3;
        long? output = (body["max_completion_tokens"] ?? body["max_tokens"]) is JsonValue v && v.TryGetValue<long>(out var max) ? max : null;
        return (prompt, output);
    }
}
