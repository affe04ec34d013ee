using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Events;
using LlmOps.InferenceProxy.Features.Keys;
using LlmOps.InferenceProxy.Features.Providers;
using LlmOps.InferenceProxy.Features.Routing;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// The steps every gateway route shares: read the caller's context and body, validate, plan the route, try its
/// deployments (retries with backoff and jitter, fallbacks, circuit breaking), answer errors in OpenAI's shape, and
/// hand the finished call's event to the publisher.
/// </summary>
public sealed partial class GatewayPipeline(
    Router router,
    DeploymentCircuits circuits,
    DeploymentConcurrency concurrency,
    DeploymentStats stats,
    KeyPolicy keys,
    ProjectSettings projects,
    RateLimits.RateLimitGate limits,
    Budgets.BudgetGate budgets,
    UpstreamClient upstream,
    InferenceEventQueue events,
    IOptions<InferenceProxyOptions> options,
    IOptions<AuthOptions> auth,
    ILogger<GatewayPipeline> logger)
{
    public const string DeploymentHeader = "x-llmops-deployment";

    private static readonly Counter<long> Attempts = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.upstream.attempts", description: "Upstream attempts by deployment and outcome");

    public InferenceProxyOptions Options => options.Value;

    /// <summary>Starts the call and reads the body; on bad input writes the 4xx and returns null.</summary>
    public async Task<(GatewayCall Call, JsonObject Body)?> BeginAsync(HttpContext context, string operation)
    {
        var (call, contextError) = GatewayCall.Start(context, auth.Value, operation);
        call.CaptureContent = options.Value.CaptureContent && projects.CaptureContent(call.ProjectId);
        context.Response.Headers[GatewayCall.TraceIdHeader] = call.TraceId;
        if (contextError is not null)
        {
            await ErrorResponses.WriteAsync(context, 400, contextError, "invalid_header");
            return null;
        }
        var (body, failure) = await GatewayBody.ReadAsync(context, options.Value.MaxRequestBodyBytes);
        if (failure is not null)
        {
            await ErrorResponses.WriteAsync(context, failure.Status, failure.Message, failure.Code);
            return null;
        }
        return (call, body!);
    }

    /// <summary>
    /// Checks <c>model</c>, the key's right to it and the route's own required parameter, plans the route and applies the
    /// key's and project's rate limits. On a problem writes the 4xx, records the call and returns null.
    /// </summary>
    public async Task<RoutePlan?> PlanAsync(HttpContext context, GatewayCall call, JsonObject body,
        string requiredParameter, Func<JsonNode?, bool> isValid, string invalidMessage, bool embeddings = false)
    {
        var model = GatewayBody.RequiredString(body, "model");
        call.RequestedModel = model ?? "";
        if (model is null)
        {
            await RejectAsync(context, call, 400, "you must provide a model parameter", "missing_model", "model");
            return null;
        }
        if (!keys.MayUse(context.User, model))
        {
            await RejectAsync(context, call, 403, $"This key may not use the model `{model}`.", "model_not_allowed", "model");
            return null;
        }
        if (!isValid(body[requiredParameter]))
        {
            await RejectAsync(context, call, 400, invalidMessage, "missing_" + requiredParameter, requiredParameter);
            return null;
        }
        var plan = router.Plan(model, body, embeddings);
        if (plan is null)
        {
            await RejectAsync(context, call, 404, $"The model `{model}` does not exist or you do not have access to it.",
                "model_not_found", "model");
            return null;
        }
        call.Route = plan.Route;
        context.Response.Headers[GatewayCall.RouteHeader] = plan.Route;
        if (!await limits.AdmitAsync(context, call, body))
            return null;
        if (!await budgets.AdmitAsync(context, call, body, plan))
            return null;
        return plan;
    }

    /// <summary>
    /// Tries the plan's deployments until one answers: at most Retry.MaxAttempts attempts, cycling through the
    /// candidates in order; a deployment whose circuit is open is skipped without an attempt; retrying the same
    /// deployment waits (exponential backoff with ±50 % jitter, or its Retry-After up to a bound), moving on to another
    /// does not. An attempt that has started answering the caller is never retried. When every attempt fails the
    /// caller gets the last failure. A deployment at its concurrency limit is passed over like an open circuit.
    /// </summary>
    public async Task ExchangeAsync(HttpContext context, GatewayCall call, RoutePlan plan,
        Func<DeploymentOptions, CancellationToken, Task<AttemptOutcome>> attempt)
    {
        var retry = options.Value.Retry;
        AttemptOutcome? last = null;
        var tried = 0;
        var positions = retry.MaxAttempts + plan.Candidates.Count;
        for (var position = 0; position < positions && tried < retry.MaxAttempts; position++)
        {
            var deployment = plan.Candidates[position % plan.Candidates.Count];
            using var slot = concurrency.TryEnter(deployment);
            if (slot is null)
            {
                Attempts.Add(1, Tag(deployment, "at_capacity"));
                continue;
            }
            call.Deployment = deployment;
            if (!context.Response.HasStarted)
                context.Response.Headers[DeploymentHeader] = deployment.Name;

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            deadline.CancelAfter(TimeSpan.FromSeconds(deployment.TimeoutSeconds));
            var started = call.Elapsed;
            AttemptOutcome outcome;
            try
            {
                outcome = await circuits.For(deployment.Name).ExecuteAsync(
                    async token => await attempt(deployment, token), deadline.Token);
            }
            catch (BrokenCircuitException)
            {
                Attempts.Add(1, Tag(deployment, "circuit_open"));
                continue;
            }
            tried++;
            call.Attempts = tried;

            if (outcome.ClientGone)
            {
                RecordClientGone(call);
                return;
            }
            if (!outcome.Retryable)
            {
                if (call.Status == InferenceStatuses.Success)
                    stats.RecordSuccess(deployment.Name, call.Elapsed - started);
                Attempts.Add(1, Tag(deployment, call.Status));
                return;
            }

            Attempts.Add(1, Tag(deployment, outcome.Code ?? "failed"));
            last = outcome;
            LogAttemptFailed(logger, deployment.Name, tried, outcome.Code, outcome.Status);
            var next = plan.Candidates[(position + 1) % plan.Candidates.Count];
            if (tried < retry.MaxAttempts && next == deployment)
            {
                try
                {
                    await Task.Delay(Backoff(tried, outcome.RetryAfter), context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    RecordClientGone(call);
                    return;
                }
            }
        }

        await WriteFailureAsync(context, call, last ?? AttemptOutcome.Failure(503, InferenceStatuses.UpstreamError,
            "deployments_unavailable", $"Every deployment of route '{plan.Route}' is unavailable (circuit open or at capacity). Try again shortly."));
    }

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var retry = options.Value.Retry;
        var exponential = retry.BaseDelayMs * Math.Pow(2, attempt - 1) * (0.5 + Random.Shared.NextDouble());
        var honoured = retryAfter is { } after && after.TotalMilliseconds <= retry.MaxRetryAfterMs ? after.TotalMilliseconds : 0;
        return TimeSpan.FromMilliseconds(Math.Max(exponential, honoured));
    }

    /// <summary>
    /// Sends <paramref name="body"/> (OpenAI-shaped) to one deployment: the model set to that deployment's upstream id,
    /// translated to its provider's API when that is not OpenAI's.
    /// </summary>
    public Task<HttpResponseMessage> SendAsync(DeploymentOptions deployment, string path, JsonObject body, string requestedModel,
        CancellationToken cancellationToken)
    {
        var model = deployment.UpstreamModel is { Length: > 0 } upstreamModel ? upstreamModel : requestedModel;
        body["model"] = model;
        var adapter = ProviderAdapter.For(deployment.Provider);
        var upstreamBody = path == "/chat/completions" ? adapter.ChatRequest(body) : body;
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(upstreamBody));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return upstream.SendAsync(router.UpstreamUri(deployment, path, model), deployment, content, cancellationToken);
    }

    /// <summary>Runs the transport part of an attempt and turns transport failures into outcomes.</summary>
    public static async Task<AttemptOutcome> GuardAsync(HttpContext context, GatewayCall call, DeploymentOptions deployment,
        Func<Task<AttemptOutcome>> attempt)
    {
        var started = call.Elapsed;
        try
        {
            return await attempt();
        }
        catch (Exception ex) when (ClientGone(context, ex))
        {
            return AttemptOutcome.CallerGone;
        }
        catch (OperationCanceledException)
        {
            call.UpstreamTime += call.Elapsed - started;
            return AttemptOutcome.Failure(504, InferenceStatuses.Timeout, "upstream_timeout",
                $"The upstream deployment '{deployment.Name}' did not answer within {deployment.TimeoutSeconds} s.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            call.UpstreamTime += call.Elapsed - started;
            return AttemptOutcome.Failure(502, InferenceStatuses.UpstreamError, "upstream_unreachable",
                $"The upstream deployment '{deployment.Name}' could not be reached or broke the connection.");
        }
    }

    /// <summary>Hands the finished call's one InferenceCompleted to the publisher (never dropped).</summary>
    public ValueTask CompleteAsync(GatewayCall call)
    {
        limits.Settle(call);
        budgets.Settle(call);
        return events.EnqueueAsync(call.ToEvent());
    }

    /// <summary>
    /// Answers the caller with a failure: an upstream's own OpenAI-shaped error body as is (with Retry-After), or the
    /// gateway's error. If bytes already reached the caller, the only honest signal left is to break the connection.
    /// </summary>
    public static async Task WriteFailureAsync(HttpContext context, GatewayCall call, AttemptOutcome outcome)
    {
        call.Fail(outcome.CallStatus, outcome.Status, outcome.Code, outcome.Message);
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }
        if (outcome.UpstreamBody is { } body)
        {
            if (outcome.RetryAfter is { } retryAfter)
                context.Response.Headers.RetryAfter = Math.Max(0, Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.StatusCode = outcome.Status;
            context.Response.ContentType = outcome.UpstreamContentType ?? "application/json";
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
            return;
        }
        await ErrorResponses.WriteAsync(context, outcome.Status, outcome.Message, outcome.Code);
    }

    public static Task RejectAsync(HttpContext context, GatewayCall call, int status, string message, string code, string? param)
    {
        call.Fail(InferenceStatuses.Rejected, status, code, message);
        return ErrorResponses.WriteAsync(context, status, message, code, param);
    }

    /// <summary>Whether an exception means the caller hung up (writes to its closed connection may fail either way).</summary>
    public static bool ClientGone(HttpContext context, Exception exception) =>
        context.RequestAborted.IsCancellationRequested && exception is OperationCanceledException or IOException or HttpRequestException;

    public static void RecordClientGone(GatewayCall call) =>
        call.Fail(InferenceStatuses.ClientDisconnected, 499, "client_disconnected", "The client closed the connection.");

    private static KeyValuePair<string, object?>[] Tag(DeploymentOptions deployment, string outcome) =>
        [new("deployment", deployment.Name), new("outcome", outcome)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} on deployment {Deployment} failed: {Code} ({Status})")]
    private static partial void LogAttemptFailed(ILogger logger, string deployment, int attempt, string? code, int status);
}
