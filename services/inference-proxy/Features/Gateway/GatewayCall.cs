using System.Diagnostics;
using System.Text.Json;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Auth;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// Everything the gateway learns about one request while serving it, turned into exactly one InferenceCompleted at
/// the end, whatever the outcome.
/// </summary>
public sealed class GatewayCall
{
    public const string TraceIdHeader = "x-llmops-trace-id";
    public const string ParentSpanHeader = "x-llmops-parent-span-id";
    public const string UserHeader = "x-llmops-user";
    public const string SessionHeader = "x-llmops-session";
    public const string FeatureHeader = "x-llmops-feature";
    public const string MetadataHeader = "x-llmops-metadata";
    public const string RouteHeader = "x-llmops-route";
    public const string OverheadHeader = "x-llmops-overhead-ms";

    /// <summary><c>evaluator</c> marks the evaluator's own judge calls: priced and traced, never evaluated themselves.</summary>
    public const string TrafficHeader = "x-llmops-traffic";

    private const int MaxIdLength = 256;
    private const int MaxMetadataEntries = 64;

    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private long? _firstTokenTimestamp;

    private GatewayCall(string operation) => Operation = operation;

    public Guid InferenceId { get; } = Guid.CreateVersion7();
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public string Operation { get; }
    public string ProjectId { get; private set; } = "";
    public string? KeyId { get; private set; }
    public string? UserId { get; private set; }
    public string? SessionId { get; private set; }
    public string? Feature { get; private set; }
    public bool IsEvaluatorTraffic { get; private set; }
    public string TraceId { get; private set; } = "";
    public string SpanId { get; } = ActivitySpanId.CreateRandom().ToHexString();
    public string? ParentSpanId { get; private set; }
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public string RequestedModel { get; set; } = "";
    public string? PromptName { get; set; }
    public int? PromptVersion { get; set; }
    public string? PromptLabel { get; set; }
    public string? Route { get; set; }
    public DeploymentOptions? Deployment { get; set; }
    public int Attempts { get; set; } = 1;
    public bool Streamed { get; set; }
    public TokenUsage Usage { get; set; } = new();
    public string? ServedModel { get; set; }
    public string? FinishReason { get; set; }
    public TimeSpan UpstreamTime { get; set; }

    /// <summary>One of <see cref="CacheStatuses"/>.</summary>
    public string CacheStatus { get; set; } = CacheStatuses.None;

    /// <summary>Set when the exact cache applies to this call.</summary>
    public string? CacheKey { get; set; }

    /// <summary>Set when the semantic cache may keep this call's answer: its partition and the question's embedding.</summary>
    public (string Partition, float[] Vector)? SemanticKey { get; set; }

    /// <summary>The project's guardrail rails, taken once at the start of the call.</summary>
    public Guardrails.GuardrailSet Rails { get; set; } = Guardrails.GuardrailSet.Empty;

    /// <summary>Every rail that ran on this call, triggered or not.</summary>
    public List<GuardrailVerdict> GuardrailVerdicts { get; } = [];

    /// <summary>The JSON schema the answer must meet, when a json-schema rail runs and the request asked for JSON.</summary>
    public JsonElement? ResponseSchema { get; set; }

    /// <summary>RAG documents from <c>x-llmops-context</c>, as the upstream saw them.</summary>
    public IReadOnlyList<string>? Contexts { get; set; }

    /// <summary>Token estimates charged against rate limits, settled with the real usage at the end.</summary>
    public IReadOnlyList<(string Scope, long Estimate)> TokenCharges { get; set; } = [];

    /// <summary>What the call reserved of its budgets, corrected to the real cost when it is over.</summary>
    public Budgets.BudgetGate.Charge? BudgetCharge { get; set; }

    /// <summary>The complete answer, kept for the cache when <see cref="CacheKey"/> is set.</summary>
    public Caching.CachedCompletion? Answer { get; set; }

    public string Status { get; private set; } = InferenceStatuses.Success;
    public string? ErrorType { get; private set; }
    public string? ErrorMessage { get; private set; }
    public int HttpStatus { get; set; } = 200;

    /// <summary>Whether this call's text is captured: the gateway-wide switch and the project's setting.</summary>
    public bool CaptureContent { get; set; }

    public IReadOnlyList<ContentMessage>? Messages { get; set; }
    public string? Completion { get; set; }
    public string? ToolCallsJson { get; set; }
    public bool ContentTruncated { get; set; }

    /// <summary>
    /// Reads the caller and the per-request context headers. Returns an error message when a header is malformed
    /// (a trace id that is not 32 hex characters, metadata that is not a JSON object of strings).
    /// </summary>
    public static (GatewayCall Call, string? Error) Start(HttpContext context, AuthOptions auth, string operation)
    {
        var call = new GatewayCall(operation)
        {
            ProjectId = context.User.ProjectIdOf() ?? auth.DefaultProjectId,
            KeyId = context.User.KeyIdOf(),
        };
        var headers = context.Request.Headers;
        call.UserId = Optional(headers[UserHeader]);
        call.SessionId = Optional(headers[SessionHeader]);
        call.Feature = Optional(headers[FeatureHeader]);
        call.IsEvaluatorTraffic = string.Equals(headers[TrafficHeader].ToString(), "evaluator", StringComparison.OrdinalIgnoreCase);
        if (call.UserId?.Length > MaxIdLength || call.SessionId?.Length > MaxIdLength || call.Feature?.Length > MaxIdLength)
            return (call, $"The {UserHeader}, {SessionHeader} and {FeatureHeader} headers are limited to {MaxIdLength} characters.");

        var error = call.ReadTraceContext(context) ?? call.ReadMetadata(headers[MetadataHeader].ToString());
        return (call, error);
    }

    /// <summary>
    /// Joins the caller's trace when it names one (<c>x-llmops-trace-id</c>, else a W3C <c>traceparent</c>), so app
    /// spans and the generation land in one trace; otherwise starts a new one.
    /// </summary>
    private string? ReadTraceContext(HttpContext context)
    {
        var explicitId = context.Request.Headers[TraceIdHeader].ToString();
        if (explicitId.Length > 0)
        {
            if (!IsHex(explicitId, 32) || explicitId.All(c => c == '0'))
                return $"{TraceIdHeader} must be 32 lower-case hex characters (a W3C trace id).";
            TraceId = explicitId;
            var parent = context.Request.Headers[ParentSpanHeader].ToString();
            if (parent.Length > 0)
            {
                if (!IsHex(parent, 16))
                    return $"{ParentSpanHeader} must be 16 lower-case hex characters (a W3C span id).";
                ParentSpanId = parent;
            }
            return null;
        }

        var traceparent = context.Request.Headers.TraceParent.ToString();
        if (traceparent.Length > 0 && ActivityContext.TryParse(traceparent, null, out var parsed))
        {
            TraceId = parsed.TraceId.ToHexString();
            ParentSpanId = parsed.SpanId.ToHexString();
            return null;
        }
        TraceId = ActivityTraceId.CreateRandom().ToHexString();
        return null;
    }

    private string? ReadMetadata(string header)
    {
        if (header.Length == 0)
            return null;
        try
        {
            using var document = JsonDocument.Parse(header);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return $"{MetadataHeader} must be a JSON object.";
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (Metadata.Count >= MaxMetadataEntries)
                    return $"{MetadataHeader} is limited to {MaxMetadataEntries} entries.";
                Metadata[property.Name] = property.Value.ValueKind == JsonValueKind.String
                    ? property.Value.GetString()!
                    : property.Value.GetRawText();
            }
            return null;
        }
        catch (JsonException)
        {
            return $"{MetadataHeader} must be a JSON object.";
        }
    }

    public void MarkFirstToken() => _firstTokenTimestamp ??= Stopwatch.GetTimestamp();

    public void Fail(string status, int httpStatus, string? errorType, string? message)
    {
        Status = status;
        HttpStatus = httpStatus;
        ErrorType = errorType;
        ErrorMessage = message is { Length: > 1000 } ? message[..1000] : message;
    }

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    public InferenceCompleted ToEvent()
    {
        var captureContent = CaptureContent;
        var elapsed = Elapsed;
        return new InferenceCompleted
        {
            InferenceId = InferenceId,
            ProjectId = ProjectId,
            KeyId = KeyId,
            UserId = UserId,
            SessionId = SessionId,
            Feature = Feature,
            IsEvaluatorTraffic = IsEvaluatorTraffic,
            TraceId = TraceId,
            SpanId = SpanId,
            ParentSpanId = ParentSpanId,
            Operation = Operation,
            PromptName = PromptName,
            PromptVersion = PromptVersion,
            PromptLabel = PromptLabel,
            Route = Route,
            Deployment = Deployment?.Name,
            Provider = Deployment?.Provider,
            RequestedModel = RequestedModel,
            ServedModel = ServedModel,
            Streamed = Streamed,
            Usage = Usage,
            StartedAt = StartedAt,
            CompletedAt = StartedAt + elapsed,
            LatencyMs = elapsed.TotalMilliseconds,
            TimeToFirstTokenMs = _firstTokenTimestamp is { } first
                ? Stopwatch.GetElapsedTime(_startTimestamp, first).TotalMilliseconds
                : null,
            OverheadMs = Deployment is null ? null : Math.Max(0, (elapsed - UpstreamTime).TotalMilliseconds),
            Status = Status,
            ErrorType = ErrorType,
            ErrorMessage = ErrorMessage,
            HttpStatus = HttpStatus,
            FinishReason = FinishReason,
            Attempts = Attempts,
            CacheStatus = CacheStatus,
            GuardrailVerdicts = GuardrailVerdicts,
            Metadata = Metadata,
            Content = captureContent && (Messages is not null || Completion is not null || ToolCallsJson is not null || Contexts is not null)
                ? new InferenceContent
                {
                    Messages = Messages ?? [],
                    Contexts = Contexts ?? [],
                    Completion = Completion,
                    ToolCallsJson = ToolCallsJson,
                    Truncated = ContentTruncated,
                }
                : null,
        };
    }

    private static string? Optional(Microsoft.Extensions.Primitives.StringValues value) =>
        value.Count == 0 || value.ToString() is not { Length: > 0 } text ? null : text;

    private static bool IsHex(string value, int length) =>
        value.Length == length && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
