using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Events;
using LlmOps.InferenceProxy.Features.Keys;
using LlmOps.InferenceProxy.Features.Routing;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// The steps every gateway route shares: read the caller's context and body, validate, pick the deployment, send
/// upstream, answer errors in OpenAI's shape, and hand the finished call's event to the publisher.
/// </summary>
public sealed class GatewayPipeline(
    DeploymentResolver resolver,
    KeyPolicy keys,
    UpstreamClient upstream,
    InferenceEventQueue events,
    IOptions<InferenceProxyOptions> options,
    IOptions<AuthOptions> auth)
{
    public InferenceProxyOptions Options => options.Value;

    /// <summary>Starts the call and reads the body; on bad input writes the 4xx and returns null.</summary>
    public async Task<(GatewayCall Call, JsonObject Body)?> BeginAsync(HttpContext context, string operation)
    {
        var (call, contextError) = GatewayCall.Start(context, auth.Value, operation);
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
    /// Checks <c>model</c> and the route's own required parameter, then picks the deployment (rewriting the model to
    /// the deployment's upstream id). On a problem writes the 4xx, records the call as rejected and returns null.
    /// </summary>
    public async Task<DeploymentOptions?> ResolveAsync(HttpContext context, GatewayCall call, JsonObject body,
        string requiredParameter, Func<JsonNode?, bool> isValid, string invalidMessage)
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
        var deployment = resolver.Resolve(model);
        if (deployment is null)
        {
            await RejectAsync(context, call, 404, $"The model `{model}` does not exist or you do not have access to it.",
                "model_not_found", "model");
            return null;
        }
        call.Deployment = deployment;
        context.Response.Headers[GatewayCall.RouteHeader] = deployment.Name;
        if (deployment.UpstreamModel is { Length: > 0 } upstreamModel)
            body["model"] = upstreamModel;
        return deployment;
    }

    /// <summary>
    /// Runs one upstream exchange under the deployment's deadline and turns its failures into answers: the caller
    /// hanging up (recorded, upstream cancelled), a timeout (504), an unreachable or broken upstream (502).
    /// </summary>
    public async Task ExchangeAsync(HttpContext context, GatewayCall call, DeploymentOptions deployment, ILogger logger,
        Func<CancellationToken, Task> exchange)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(TimeSpan.FromSeconds(deployment.TimeoutSeconds));
        var started = call.Elapsed;
        try
        {
            await exchange(deadline.Token);
        }
        catch (Exception ex) when (ClientGone(context, ex))
        {
            RecordClientGone(call);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            call.UpstreamTime = call.Elapsed - started;
            var timedOut = ex is OperationCanceledException;
            if (!timedOut)
                logger.LogWarning(ex, "Upstream deployment {Deployment} failed", deployment.Name);
            await UpstreamUnavailableAsync(context, call, deployment, timedOut);
        }
    }

    public Task<HttpResponseMessage> SendAsync(DeploymentOptions deployment, string path, JsonObject body, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return upstream.SendAsync(resolver.UpstreamUri(deployment, path), deployment, content, cancellationToken);
    }

    /// <summary>Hands the finished call's one InferenceCompleted to the publisher (never dropped).</summary>
    public ValueTask CompleteAsync(GatewayCall call, bool captureContent) => events.EnqueueAsync(call.ToEvent(captureContent));

    public static Task RejectAsync(HttpContext context, GatewayCall call, int status, string message, string code, string? param)
    {
        call.Fail(InferenceStatuses.Rejected, status, code, message);
        return ErrorResponses.WriteAsync(context, status, message, code, param);
    }

    public static async Task UpstreamFailedAsync(HttpContext context, GatewayCall call, int status, string callStatus, string code, string message)
    {
        call.Fail(callStatus, status, code, message);
        if (context.Response.HasStarted)
        {
            // Bytes already reached the client: the only honest signal left is to break the connection.
            context.Abort();
            return;
        }
        await ErrorResponses.WriteAsync(context, status, message, code);
    }

    /// <summary>
    /// Answers an upstream's non-2xx. Its own OpenAI-shaped error is what the caller's SDK understands best, so it is
    /// passed on with its status and Retry-After; except 401/403, which mean the upstream refused the gateway's
    /// provider key: passing those on would tell the caller that the caller's own key is wrong.
    /// </summary>
    public static async Task RelayUpstreamErrorAsync(HttpContext context, GatewayCall call, HttpResponseMessage response, byte[] body)
    {
        var status = (int)response.StatusCode;
        if (status is 401 or 403)
        {
            await UpstreamFailedAsync(context, call, 502, InferenceStatuses.UpstreamError, "upstream_auth_failed",
                $"The upstream deployment '{call.Deployment!.Name}' refused the gateway's provider key ({status}).");
            return;
        }
        call.Fail(InferenceStatuses.UpstreamError, status, ResponseInspector.ErrorCode(body) ?? $"upstream_{status}", ResponseInspector.Preview(body));
        if (response.Headers.RetryAfter is { } retryAfter)
            context.Response.Headers.RetryAfter = retryAfter.ToString();
        context.Response.StatusCode = status;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>Whether an exception means the caller hung up (writes to its closed connection may fail either way).</summary>
    public static bool ClientGone(HttpContext context, Exception exception) =>
        context.RequestAborted.IsCancellationRequested && exception is OperationCanceledException or IOException or HttpRequestException;

    public static void RecordClientGone(GatewayCall call) =>
        call.Fail(InferenceStatuses.ClientDisconnected, 499, "client_disconnected", "The client closed the connection.");

    /// <summary>An upstream that did not answer in time (504) or could not be reached or broke the connection (502).</summary>
    public static Task UpstreamUnavailableAsync(HttpContext context, GatewayCall call, DeploymentOptions deployment, bool timedOut) =>
        timedOut
            ? UpstreamFailedAsync(context, call, 504, InferenceStatuses.Timeout, "upstream_timeout",
                $"The upstream deployment '{deployment.Name}' did not answer within {deployment.TimeoutSeconds} s.")
            : UpstreamFailedAsync(context, call, 502, InferenceStatuses.UpstreamError, "upstream_unreachable",
                $"The upstream deployment '{deployment.Name}' could not be reached or broke the connection.");
}
