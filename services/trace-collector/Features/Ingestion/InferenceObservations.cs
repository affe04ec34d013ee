using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmOps.Contracts.Inference;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// What a gateway request becomes in its trace: a generation (or embedding) observation under the caller's parent span,
/// and one guardrail observation under it per rail that triggered. Ids are the request's span id and ids derived from it,
/// so a redelivered event writes the same rows again.
/// </summary>
public static class InferenceObservations
{
    public static bool IsValid(InferenceCompleted inference) =>
        inference.ProjectId.Length is > 0 and <= 128 && inference.TraceId.Length is > 0 and <= 64 && inference.SpanId.Length is > 0 and <= 64
        && inference.ParentSpanId is null or { Length: <= 64 };

    public static void AddTo(TraceWriteBatch batch, InferenceCompleted inference)
    {
        var started = inference.StartedAt.UtcDateTime;
        var ended = inference.CompletedAt.UtcDateTime;
        var failed = inference.Status != InferenceStatuses.Success;
        var content = inference.Content;
        batch.Observations.Add(new ObservationWrite
        {
            ProjectId = inference.ProjectId,
            Id = inference.SpanId,
            TraceId = inference.TraceId,
            ParentId = inference.ParentSpanId,
            Type = inference.Operation == InferenceOperations.Embeddings ? ObservationTypes.Embedding : ObservationTypes.Generation,
            Name = $"{inference.Operation} {inference.RequestedModel}",
            StartTime = started,
            EndTime = ended,
            CompletionStartTime = inference.TimeToFirstTokenMs is { } ttft ? started.AddMilliseconds(ttft) : null,
            Model = inference.ServedModel ?? inference.RequestedModel,
            Provider = inference.Provider,
            Deployment = inference.Deployment,
            PromptName = inference.PromptName,
            PromptVersion = inference.PromptVersion,
            InputTokens = inference.Usage.InputTokens,
            OutputTokens = inference.Usage.OutputTokens,
            CachedInputTokens = inference.Usage.CachedInputTokens,
            ReasoningTokens = inference.Usage.ReasoningTokens,
            UsageEstimated = inference.Usage.Estimated,
            Status = failed ? "error" : "ok",
            StatusMessage = failed ? $"{inference.Status}: {inference.ErrorType} {inference.ErrorMessage}".Trim() : null,
            Input = content is { Messages.Count: > 0 } ? JsonSerializer.Serialize(content.Messages, JsonSerializerOptions.Web) : null,
            Output = content?.Completion ?? content?.ToolCallsJson,
            Metadata = JsonSerializer.Serialize(new
            {
                requestedModel = inference.RequestedModel,
                route = inference.Route,
                streamed = inference.Streamed,
                cacheStatus = inference.CacheStatus,
                httpStatus = inference.HttpStatus,
                finishReason = inference.FinishReason,
                overheadMs = inference.OverheadMs,
                attempts = inference.Attempts,
                keyId = inference.KeyId,
                contexts = content is { Contexts.Count: > 0 } ? content.Contexts : null,
                evaluatorTraffic = inference.IsEvaluatorTraffic ? true : (bool?)null,
                attributes = inference.Metadata.Count > 0 ? inference.Metadata : null,
            }, JsonSerializerOptions.Web),
            InferenceId = inference.InferenceId,
            UserId = inference.UserId,
            SessionId = inference.SessionId,
            Feature = inference.Feature,
            TraceMetadata = inference.Metadata.Count > 0 ? JsonSerializer.Serialize(inference.Metadata) : null,
        });

        foreach (var verdict in inference.GuardrailVerdicts.Where(v => v.Triggered))
        {
            batch.Observations.Add(new ObservationWrite
            {
                ProjectId = inference.ProjectId,
                Id = DerivedSpanId(inference.SpanId, $"guardrail/{verdict.Stage}/{verdict.Rail}"),
                TraceId = inference.TraceId,
                ParentId = inference.SpanId,
                Type = ObservationTypes.Guardrail,
                Name = $"guardrail {verdict.Rail} ({verdict.Stage})",
                StartTime = started,
                EndTime = started,
                Status = verdict.Action == GuardrailActions.Block ? "error" : "ok",
                StatusMessage = verdict.Action == GuardrailActions.Block ? $"blocked: {verdict.Detail}" : null,
                Metadata = JsonSerializer.Serialize(new { verdict.Rail, verdict.Stage, verdict.Action, verdict.Score, verdict.Detail },
                    JsonSerializerOptions.Web),
            });
        }
    }

    /// <summary>A stable 16-hex-character id for a child the collector makes up (the same input, the same id).</summary>
    public static string DerivedSpanId(string parent, string what) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(parent + "/" + what)))[..16];
}
