using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// How one upstream attempt ended. <see cref="Retryable"/> failures leave the caller's response untouched, so another
/// attempt (or deployment) can still answer; the last one is what the caller gets when none succeeds.
/// </summary>
public sealed record AttemptOutcome
{
    public bool Retryable { get; init; }
    public bool ClientGone { get; init; }

    /// <summary>The status the caller gets if this failure is the last word.</summary>
    public int Status { get; init; }

    /// <summary>One of <see cref="InferenceStatuses"/>.</summary>
    public string CallStatus { get; init; } = InferenceStatuses.Success;

    public string? Code { get; init; }
    public string Message { get; init; } = "";

    /// <summary>An upstream's own error body (OpenAI-shaped), passed on as is when it is the last word.</summary>
    public byte[]? UpstreamBody { get; init; }
    public string? UpstreamContentType { get; init; }
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The attempt answered the caller (success, or a failure no retry can fix).</summary>
    public static readonly AttemptOutcome Answered = new();

    public static readonly AttemptOutcome CallerGone = new() { ClientGone = true };

    public static AttemptOutcome Failure(int status, string callStatus, string code, string message) => new()
    {
        Retryable = true,
        Status = status,
        CallStatus = callStatus,
        Code = code,
        Message = message,
    };

    /// <summary>
    /// An upstream's non-2xx. 408, 409, 429 and 5xx are worth another attempt, and so are 401/403 (the upstream refused
    /// the gateway's provider key: another deployment may hold a good one; the caller gets a 502, never a 401 that
    /// would blame its own key) and 404 (that deployment does not serve the model). Other 4xx are the request's fault.
    /// </summary>
    public static AttemptOutcome FromUpstreamError(HttpResponseMessage response, int status, byte[] body, string deployment)
    {
        if (status is 401 or 403)
        {
            return Failure(502, InferenceStatuses.UpstreamError, "upstream_auth_failed",
                $"The upstream deployment '{deployment}' refused the gateway's provider key ({status}).");
        }
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => (TimeSpan?)null,
        };
        return new AttemptOutcome
        {
            Retryable = status is 404 or 408 or 409 or 429 or >= 500,
            Status = status,
            CallStatus = InferenceStatuses.UpstreamError,
            Code = ResponseInspector.ErrorCode(body) ?? $"upstream_{status}",
            Message = ResponseInspector.Preview(body),
            UpstreamBody = body,
            UpstreamContentType = response.Content.Headers.ContentType?.ToString(),
            RetryAfter = retryAfter,
        };
    }
}
