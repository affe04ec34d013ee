using System.Diagnostics;
using LlmOps.Contracts.Inference;

namespace LlmOps.TraceCollector.Tests;

/// <summary>InferenceCompleted events as the gateway publishes them.</summary>
public static class Inferences
{
    public static InferenceCompleted Successful(string projectId = "project-a", string? traceId = null, string? parentSpanId = null,
        string question = "What is our refund policy?", string answer = "Refunds within 30 days.")
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-2);
        return new InferenceCompleted
        {
            InferenceId = Guid.CreateVersion7(),
            ProjectId = projectId,
            KeyId = "key-1",
            UserId = "user-1",
            SessionId = "session-1",
            Feature = "support",
            TraceId = traceId ?? ActivityTraceId.CreateRandom().ToHexString(),
            SpanId = ActivitySpanId.CreateRandom().ToHexString(),
            ParentSpanId = parentSpanId,
            RequestedModel = "sim-small",
            ServedModel = "sim-small-2026",
            Deployment = "sim",
            Provider = "openai",
            Streamed = true,
            Usage = new TokenUsage { InputTokens = 120, OutputTokens = 30, CachedInputTokens = 20, ReasoningTokens = 5 },
            StartedAt = started,
            CompletedAt = started.AddMilliseconds(850),
            LatencyMs = 850,
            TimeToFirstTokenMs = 120,
            Status = InferenceStatuses.Success,
            HttpStatus = 200,
            FinishReason = "stop",
            Metadata = new Dictionary<string, string> { ["tenant"] = "acme" },
            Content = new InferenceContent
            {
                Messages = [new ContentMessage { Role = "user", Content = question }],
                Completion = answer,
            },
        };
    }
}
