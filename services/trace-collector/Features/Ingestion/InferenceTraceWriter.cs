using System.Text.Json;
using LlmOps.Contracts.Inference;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// Turns an InferenceCompleted into a generation observation and creates or widens its trace. Idempotent: the
/// observation is keyed by its span id, so a redelivered event overwrites itself with the same values.
/// </summary>
public sealed class InferenceTraceWriter(TraceCollectorDbContext db, TimeProvider clock)
{
    public async Task WriteAsync(InferenceCompleted inference, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var started = inference.StartedAt.UtcDateTime;
        var ended = inference.CompletedAt.UtcDateTime;
        var failed = inference.Status != InferenceStatuses.Success;
        var isRoot = inference.ParentSpanId is null;
        var messagesJson = inference.Content is { Messages.Count: > 0 } content
            ? JsonSerializer.Serialize(content.Messages, JsonSerializerOptions.Web)
            : null;
        var output = inference.Content?.Completion ?? inference.Content?.ToolCallsJson;

        var trace = await db.Traces.FindAsync([inference.ProjectId, inference.TraceId], cancellationToken);
        if (trace is null)
        {
            trace = new TraceRecord
            {
                ProjectId = inference.ProjectId,
                Id = inference.TraceId,
                StartTime = started,
                CreatedAt = now,
            };
            db.Traces.Add(trace);
        }
        trace.Name ??= $"{inference.Operation} {inference.RequestedModel}";
        trace.UserId ??= inference.UserId;
        trace.SessionId ??= inference.SessionId;
        trace.Feature ??= inference.Feature;
        trace.StartTime = started < trace.StartTime ? started : trace.StartTime;
        trace.EndTime = trace.EndTime is { } end && end > ended ? end : ended;
        if (failed)
            trace.Status = "error";
        if (isRoot)
        {
            // The generation is the whole trace: its input and output are the trace's.
            trace.Input = messagesJson ?? trace.Input;
            trace.Output = output ?? trace.Output;
        }
        if (inference.Metadata.Count > 0 && trace.Metadata is null)
            trace.Metadata = JsonSerializer.Serialize(inference.Metadata);
        trace.UpdatedAt = now;

        var observation = await db.Observations.FindAsync([inference.ProjectId, inference.SpanId], cancellationToken);
        if (observation is null)
        {
            observation = new ObservationRecord
            {
                ProjectId = inference.ProjectId,
                Id = inference.SpanId,
                TraceId = inference.TraceId,
                Type = inference.Operation == InferenceOperations.Embeddings ? ObservationTypes.Embedding : ObservationTypes.Generation,
                Name = $"{inference.Operation} {inference.RequestedModel}",
                CreatedAt = now,
            };
            db.Observations.Add(observation);
        }
        observation.ParentId = inference.ParentSpanId;
        observation.StartTime = started;
        observation.EndTime = ended;
        observation.CompletionStartTime = inference.TimeToFirstTokenMs is { } ttft ? started.AddMilliseconds(ttft) : null;
        observation.Model = inference.ServedModel ?? inference.RequestedModel;
        observation.Provider = inference.Provider;
        observation.Deployment = inference.Deployment;
        observation.PromptName = inference.PromptName;
        observation.PromptVersion = inference.PromptVersion;
        observation.InputTokens = inference.Usage.InputTokens;
        observation.OutputTokens = inference.Usage.OutputTokens;
        observation.CachedInputTokens = inference.Usage.CachedInputTokens;
        observation.ReasoningTokens = inference.Usage.ReasoningTokens;
        observation.UsageEstimated = inference.Usage.Estimated;
        observation.Status = failed ? "error" : "ok";
        observation.StatusMessage = failed ? $"{inference.Status}: {inference.ErrorType} {inference.ErrorMessage}".Trim() : null;
        observation.Input = messagesJson;
        observation.Output = output;
        observation.Metadata = JsonSerializer.Serialize(new
        {
            requestedModel = inference.RequestedModel,
            route = inference.Route,
            streamed = inference.Streamed,
            cacheStatus = inference.CacheStatus,
            httpStatus = inference.HttpStatus,
            finishReason = inference.FinishReason,
            overheadMs = inference.OverheadMs,
            keyId = inference.KeyId,
        }, JsonSerializerOptions.Web);
        observation.InferenceId = inference.InferenceId;
        observation.UpdatedAt = now;

        await db.SaveChangesAsync(cancellationToken);
    }
}
