using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Features.Caching;

/// <summary>
/// A complete, successful answer as the cache keeps it: enough to answer again as JSON or as a stream, whichever way
/// the next caller asks.
/// </summary>
public sealed record CachedCompletion(
    string Id,
    string Model,
    string? Content,
    string? ToolCallsJson,
    string FinishReason,
    TokenUsage Usage)
{
    /// <summary>A completion as the gateway recorded it on the call (usage and model already settled).</summary>
    public static CachedCompletion From(Gateway.ResponseInspector.Completion completion, Gateway.GatewayCall call) =>
        new(completion.Id ?? "chatcmpl-" + call.InferenceId.ToString("N"), call.ServedModel ?? call.RequestedModel, completion.Text,
            completion.ToolCallsJson, call.FinishReason ?? "stop", call.Usage);

    /// <summary>Rough memory held, for the cache's byte bound (UTF-16 text plus record overhead).</summary>
    public long SizeBytes => 2L * ((Content?.Length ?? 0) + (ToolCallsJson?.Length ?? 0) + Id.Length + Model.Length) + 256;
}
