using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Events;
using LlmOps.InferenceProxy.Features.Gateway;
using LlmOps.InferenceProxy.Features.Routing;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Caching;

/// <summary>
/// Turns a question into the semantic cache's unit vector: with the built-in <see cref="LocalEmbedder"/>, or, when the
/// project names an embedding model, through one of the gateway's own embedding deployments. A deployment call is real
/// spend, so it publishes its own InferenceCompleted (operation embeddings, a child span of the chat's generation in the
/// same trace, metadata <c>llmops.purpose = semantic-cache</c>) and cost-accountant prices it like any other. When the
/// deployment fails or is slow (<c>InferenceProxy:Cache:SemanticEmbeddingTimeoutMs</c>), the request goes on without the
/// semantic cache rather than fail or wait.
/// </summary>
public sealed partial class SemanticEmbedder(
    Router router,
    GatewayPipeline pipeline,
    InferenceEventQueue events,
    IOptions<InferenceProxyOptions> options,
    ILogger<SemanticEmbedder> logger)
{
    public const string PurposeKey = "llmops.purpose";
    public const string Purpose = "semantic-cache";

    private static readonly Counter<long> Failures = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.semantic_cache.embedding_failures", description: "Questions the semantic cache could not embed through a deployment");

    public async Task<float[]?> EmbedAsync(GatewayCall call, string? model, string text, CancellationToken cancellationToken)
    {
        if (model is null)
            return LocalEmbedder.Embed(text);
        var plan = router.Plan(model, new JsonObject { ["model"] = model }, embeddings: true);
        if (plan is null)
        {
            Failed(model, "unknown_model");
            return null;
        }

        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var attempts = 0;
        foreach (var deployment in plan.Candidates.Take(2))
        {
            attempts++;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.Cache.SemanticEmbeddingTimeoutMs);
                using var response = await pipeline.SendAsync(deployment, "/embeddings",
                    new JsonObject { ["model"] = model, ["input"] = text }, model, timeout.Token);
                if (!response.IsSuccessStatusCode)
                    continue;
                var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                if (Read(bytes) is not var (vector, usage, servedModel))
                    continue;
                await events.EnqueueAsync(Event(call, plan, deployment, model, servedModel, usage, startedAt, Stopwatch.GetElapsedTime(started), attempts));
                return vector;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Try the next deployment, if any; the caller's request never waits longer than the timeout per try.
            }
        }
        Failed(model, "unavailable");
        return null;
    }

    private void Failed(string model, string reason)
    {
        Failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        LogEmbeddingFailed(logger, model, reason);
    }

    /// <summary>The first embedding as a unit vector, with usage; null when the answer is not an embeddings answer.</summary>
    private static (float[] Vector, TokenUsage Usage, string? Model)? Read(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() == 0
                || !data[0].TryGetProperty("embedding", out var embedding) || embedding.ValueKind != JsonValueKind.Array)
                return null;
            var vector = new float[embedding.GetArrayLength()];
            var i = 0;
            foreach (var value in embedding.EnumerateArray())
                vector[i++] = value.GetSingle();
            var norm = TensorPrimitives.Norm(vector);
            if (vector.Length == 0 || norm == 0 || !float.IsFinite(norm))
                return null;
            TensorPrimitives.Divide(vector, norm, vector);
            return (vector, ResponseInspector.ReadUsage(root) ?? new TokenUsage { Estimated = true }, ResponseInspector.StringOrNull(root, "model"));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static InferenceCompleted Event(GatewayCall call, RoutePlan plan, DeploymentOptions deployment, string model, string? servedModel,
        TokenUsage usage, DateTimeOffset startedAt, TimeSpan elapsed, int attempts) => new()
    {
        InferenceId = Guid.CreateVersion7(),
        ProjectId = call.ProjectId,
        KeyId = call.KeyId,
        UserId = call.UserId,
        SessionId = call.SessionId,
        Feature = call.Feature,
        TraceId = call.TraceId,
        SpanId = ActivitySpanId.CreateRandom().ToHexString(),
        ParentSpanId = call.SpanId,
        Operation = InferenceOperations.Embeddings,
        Route = plan.Route,
        Deployment = deployment.Name,
        Provider = deployment.Provider,
        RequestedModel = model,
        ServedModel = servedModel,
        Usage = usage,
        StartedAt = startedAt,
        CompletedAt = startedAt + elapsed,
        LatencyMs = elapsed.TotalMilliseconds,
        Status = InferenceStatuses.Success,
        HttpStatus = 200,
        Attempts = attempts,
        Metadata = new Dictionary<string, string> { [PurposeKey] = Purpose },
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "The semantic cache could not embed a question with {Model} ({Reason}); the request goes on without it")]
    private static partial void LogEmbeddingFailed(ILogger logger, string model, string reason);
}
