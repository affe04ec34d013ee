using System.Net.Http.Headers;
using System.Text.Json;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Events;
using LlmOps.InferenceProxy.Features.Routing;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary><c>POST /v1/embeddings</c>: forwarded as is; usage recorded for pricing.</summary>
public sealed class EmbeddingsEndpoint(
    DeploymentResolver resolver,
    UpstreamClient upstream,
    InferenceEventQueue events,
    IOptions<InferenceProxyOptions> options,
    IOptions<AuthOptions> auth,
    ILogger<EmbeddingsEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var (call, contextError) = GatewayCall.Start(context, auth.Value, InferenceOperations.Embeddings);
        context.Response.Headers[GatewayCall.TraceIdHeader] = call.TraceId;
        if (contextError is not null)
        {
            await ErrorResponses.WriteAsync(context, 400, contextError, "invalid_header");
            return;
        }
        var (body, failure) = await GatewayBody.ReadAsync(context, options.Value.MaxRequestBodyBytes);
        if (failure is not null)
        {
            await ErrorResponses.WriteAsync(context, failure.Status, failure.Message, failure.Code);
            return;
        }

        try
        {
            var model = GatewayBody.RequiredString(body!, "model");
            call.RequestedModel = model ?? "";
            if (model is null || body!["input"] is null)
            {
                var param = model is null ? "model" : "input";
                call.Fail(InferenceStatuses.Rejected, 400, "missing_" + param, $"'{param}' is required");
                await ErrorResponses.WriteAsync(context, 400, $"'{param}' is required", "missing_" + param, param);
                return;
            }
            var deployment = resolver.Resolve(model);
            if (deployment is null)
            {
                var message = $"The model `{model}` does not exist or you do not have access to it.";
                call.Fail(InferenceStatuses.Rejected, 404, "model_not_found", message);
                await ErrorResponses.WriteAsync(context, 404, message, "model_not_found", "model");
                return;
            }
            call.Deployment = deployment;
            context.Response.Headers[GatewayCall.RouteHeader] = deployment.Name;
            if (deployment.UpstreamModel is { Length: > 0 } upstreamModel)
                body["model"] = upstreamModel;

            await ForwardAsync(context, call, body, deployment);
        }
        finally
        {
            await events.EnqueueAsync(call.ToEvent(captureContent: false));
        }
    }

    private async Task ForwardAsync(HttpContext context, GatewayCall call, System.Text.Json.Nodes.JsonObject body, DeploymentOptions deployment)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(TimeSpan.FromSeconds(deployment.TimeoutSeconds));
        var started = call.Elapsed;
        try
        {
            var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await upstream.SendAsync(resolver.UpstreamUri(deployment, "/embeddings"), deployment, content, deadline.Token);
            var bytes = await response.Content.ReadAsByteArrayAsync(deadline.Token);
            call.UpstreamTime = call.Elapsed - started;
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode && TryReadUsage(bytes, out var usage, out var servedModel))
            {
                call.Usage = usage;
                call.ServedModel = servedModel;
            }
            else if (response.IsSuccessStatusCode)
            {
                const string invalid = "The upstream returned an invalid embeddings answer.";
                call.Fail(InferenceStatuses.UpstreamError, 502, "upstream_invalid_response", invalid);
                await ErrorResponses.WriteAsync(context, 502, invalid, "upstream_invalid_response");
                return;
            }
            else
            {
                call.Fail(InferenceStatuses.UpstreamError, status, ResponseInspector.ErrorCode(bytes) ?? $"upstream_{status}",
                    ResponseInspector.Preview(bytes));
            }
            context.Response.StatusCode = status;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            call.Fail(InferenceStatuses.ClientDisconnected, 499, "client_disconnected", "The client closed the connection.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            var timeout = ex is OperationCanceledException;
            logger.LogWarning(ex, "Upstream deployment {Deployment} failed", deployment.Name);
            var message = timeout
                ? $"The upstream deployment '{deployment.Name}' did not answer within {deployment.TimeoutSeconds} s."
                : $"The upstream deployment '{deployment.Name}' could not be reached.";
            call.Fail(timeout ? InferenceStatuses.Timeout : InferenceStatuses.UpstreamError, timeout ? 504 : 502,
                timeout ? "upstream_timeout" : "upstream_unreachable", message);
            await ErrorResponses.WriteAsync(context, timeout ? 504 : 502, message, timeout ? "upstream_timeout" : "upstream_unreachable");
        }
    }

    private static bool TryReadUsage(byte[] bytes, out TokenUsage usage, out string? model)
    {
        usage = new TokenUsage();
        model = null;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                return false;
            usage = ResponseInspector.ReadUsage(root) ?? new TokenUsage { Estimated = true };
            model = ResponseInspector.StringOrNull(root, "model");
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
