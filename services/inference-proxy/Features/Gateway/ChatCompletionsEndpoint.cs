using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Events;
using LlmOps.InferenceProxy.Features.Routing;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// <c>POST /v1/chat/completions</c>: validate, pick the deployment, forward (streaming or not), relay the answer,
/// and publish one InferenceCompleted whatever happened.
/// </summary>
public sealed class ChatCompletionsEndpoint(
    DeploymentResolver resolver,
    UpstreamClient upstream,
    InferenceEventQueue events,
    IOptions<InferenceProxyOptions> options,
    IOptions<AuthOptions> auth,
    ILogger<ChatCompletionsEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var (call, contextError) = GatewayCall.Start(context, auth.Value, InferenceOperations.Chat);
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
            await ServeAsync(context, call, body!);
        }
        finally
        {
            await events.EnqueueAsync(call.ToEvent(options.Value.CaptureContent));
        }
    }

    private async Task ServeAsync(HttpContext context, GatewayCall call, JsonObject body)
    {
        var model = GatewayBody.RequiredString(body, "model");
        call.RequestedModel = model ?? "";
        if (model is null)
        {
            await RejectAsync(context, call, 400, "you must provide a model parameter", "missing_model", "model");
            return;
        }
        if (body["messages"] is not JsonArray messages || messages.Count == 0)
        {
            await RejectAsync(context, call, 400, "'messages' must be a non-empty array", "missing_messages", "messages");
            return;
        }

        var deployment = resolver.Resolve(model);
        if (deployment is null)
        {
            await RejectAsync(context, call, 404, $"The model `{model}` does not exist or you do not have access to it.",
                "model_not_found", "model");
            return;
        }
        call.Deployment = deployment;
        context.Response.Headers[GatewayCall.RouteHeader] = deployment.Name;
        if (options.Value.CaptureContent)
            CaptureMessages(call, messages);

        var stream = body["stream"] is JsonValue s && s.TryGetValue<bool>(out var streamFlag) && streamFlag;
        call.Streamed = stream;
        var callerWantsUsage = false;
        if (stream)
        {
            // Always ask for usage: without it a streamed answer cannot be priced.
            var streamOptions = body["stream_options"] as JsonObject ?? new JsonObject();
            callerWantsUsage = streamOptions["include_usage"] is JsonValue u && u.TryGetValue<bool>(out var want) && want;
            streamOptions["include_usage"] = true;
            body["stream_options"] = streamOptions;
        }
        if (deployment.UpstreamModel is { Length: > 0 } upstreamModel)
            body["model"] = upstreamModel;

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(TimeSpan.FromSeconds(deployment.TimeoutSeconds));
        var upstreamStarted = call.Elapsed;
        try
        {
            var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await upstream.SendAsync(resolver.UpstreamUri(deployment, "/chat/completions"), deployment, content, deadline.Token);
            var isEventStream = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
            if (stream && response.IsSuccessStatusCode && isEventStream)
            {
                var accumulator = new StreamAccumulator(options.Value.MaxCapturedChars);
                try
                {
                    await using var upstreamBody = await response.Content.ReadAsStreamAsync(deadline.Token);
                    await StreamRelay.RelayAsync(context, upstreamBody, accumulator, call, callerWantsUsage, deadline.Token);
                }
                finally
                {
                    call.UpstreamTime = call.Elapsed - upstreamStarted;
                    RecordStream(call, accumulator);
                }
                if (!accumulator.SawDone)
                {
                    // A stream that stops without [DONE] must not look finished to the caller: break the connection.
                    call.Fail(InferenceStatuses.UpstreamError, 200, "incomplete_stream", "The upstream ended the stream without [DONE].");
                    context.Abort();
                }
                return;
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(deadline.Token);
            call.UpstreamTime = call.Elapsed - upstreamStarted;
            await RelayNonStreamAsync(context, call, response, bytes);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested
            && ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // The caller hung up (writes to its closed connection may fail either way); the upstream call is cancelled
            // with it, and what was streamed so far is still recorded.
            call.Fail(InferenceStatuses.ClientDisconnected, 499, "client_disconnected", "The client closed the connection.");
        }
        catch (OperationCanceledException)
        {
            call.UpstreamTime = call.Elapsed - upstreamStarted;
            await UpstreamFailedAsync(context, call, 504, InferenceStatuses.Timeout, "upstream_timeout",
                $"The upstream deployment '{deployment.Name}' did not answer within {deployment.TimeoutSeconds} s.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            call.UpstreamTime = call.Elapsed - upstreamStarted;
            LogUpstreamFailure(ex, deployment.Name);
            await UpstreamFailedAsync(context, call, 502, InferenceStatuses.UpstreamError, "upstream_unreachable",
                $"The upstream deployment '{deployment.Name}' could not be reached or broke the connection.");
        }
    }

    private async Task RelayNonStreamAsync(HttpContext context, GatewayCall call, HttpResponseMessage response, byte[] bytes)
    {
        var status = (int)response.StatusCode;
        if (status is 401 or 403)
        {
            // The upstream refused the gateway's provider key. Passing its 401 on would tell the caller that the
            // caller's own key is wrong; this is the gateway's configuration problem.
            await UpstreamFailedAsync(context, call, 502, InferenceStatuses.UpstreamError, "upstream_auth_failed",
                $"The upstream deployment '{call.Deployment!.Name}' refused the gateway's provider key ({status}).");
            return;
        }
        if (!response.IsSuccessStatusCode)
        {
            // The upstream's own error (OpenAI-shaped) is what the caller's SDK understands best: pass it on.
            call.Fail(InferenceStatuses.UpstreamError, status, ResponseInspector.ErrorCode(bytes) ?? $"upstream_{status}",
                ResponseInspector.Preview(bytes));
            if (response.Headers.RetryAfter is { } retryAfter)
                context.Response.Headers.RetryAfter = retryAfter.ToString();
            context.Response.StatusCode = status;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            return;
        }

        var (completion, problem) = ResponseInspector.ReadChatCompletion(bytes);
        if (completion is null)
        {
            await UpstreamFailedAsync(context, call, 502, InferenceStatuses.UpstreamError, "upstream_invalid_response",
                $"The upstream deployment '{call.Deployment!.Name}' returned an invalid answer: {problem}");
            return;
        }

        RecordCompletion(call, completion);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers[GatewayCall.OverheadHeader] =
            Math.Max(0, (call.Elapsed - call.UpstreamTime).TotalMilliseconds).ToString("0.000", CultureInfo.InvariantCulture);
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private void RecordCompletion(GatewayCall call, ResponseInspector.Completion completion)
    {
        call.ServedModel = completion.Model;
        call.FinishReason = completion.FinishReason;
        call.Usage = completion.Usage ?? new TokenUsage { Estimated = true };
        if (!options.Value.CaptureContent)
            return;
        var truncated = call.ContentTruncated;
        call.Completion = completion.Text is null ? null : ResponseInspector.Truncate(completion.Text, options.Value.MaxCapturedChars, ref truncated);
        call.ToolCallsJson = completion.ToolCallsJson;
        call.ContentTruncated = truncated;
    }

    private void RecordStream(GatewayCall call, StreamAccumulator accumulator)
    {
        call.ServedModel = accumulator.Model;
        call.FinishReason = accumulator.FinishReason;
        // No usage chunk (a provider that ignores include_usage, or a stream cut short): count the content chunks,
        // roughly one token each, and say the figure is an estimate.
        call.Usage = accumulator.Usage ?? new TokenUsage { OutputTokens = accumulator.ContentChunks, Estimated = true };
        if (!options.Value.CaptureContent)
            return;
        call.Completion = accumulator.Text;
        call.ToolCallsJson = accumulator.ToolCallsJson;
        call.ContentTruncated |= accumulator.Truncated;
    }

    private void CaptureMessages(GatewayCall call, JsonArray messages)
    {
        var max = options.Value.MaxCapturedChars;
        var truncated = false;
        var captured = new List<ContentMessage>(messages.Count);
        foreach (var node in messages)
        {
            if (node is not JsonObject message)
                continue;
            var text = message["content"] switch
            {
                JsonValue v when v.TryGetValue<string>(out var str) => str,
                JsonArray parts => string.Join("\n", parts.OfType<JsonObject>()
                    .Select(p => p["text"] is JsonValue t && t.TryGetValue<string>(out var part) ? part : null)
                    .OfType<string>()),
                _ => null,
            };
            captured.Add(new ContentMessage
            {
                Role = message["role"] is JsonValue r && r.TryGetValue<string>(out var role) ? role : "unknown",
                Content = text is null ? null : ResponseInspector.Truncate(text, max, ref truncated),
                Name = message["name"] is JsonValue n && n.TryGetValue<string>(out var name) ? name : null,
            });
        }
        call.Messages = captured;
        call.ContentTruncated = truncated;
    }

    private static Task RejectAsync(HttpContext context, GatewayCall call, int status, string message, string code, string? param)
    {
        call.Fail(InferenceStatuses.Rejected, status, code, message);
        return ErrorResponses.WriteAsync(context, status, message, code, param);
    }

    private static async Task UpstreamFailedAsync(HttpContext context, GatewayCall call, int status, string callStatus, string code, string message)
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

    private void LogUpstreamFailure(Exception exception, string deployment) =>
        logger.LogWarning(exception, "Upstream deployment {Deployment} failed", deployment);
}
