using System.Globalization;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// <c>POST /v1/chat/completions</c>: validate, pick the deployment, forward (streaming or not), relay the answer,
/// and publish one InferenceCompleted whatever happened.
/// </summary>
public sealed class ChatCompletionsEndpoint(GatewayPipeline pipeline, ILogger<ChatCompletionsEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        if (await pipeline.BeginAsync(context, InferenceOperations.Chat) is not var (call, body))
            return;
        try
        {
            await ServeAsync(context, call, body);
        }
        finally
        {
            await pipeline.CompleteAsync(call, pipeline.Options.CaptureContent);
        }
    }

    private async Task ServeAsync(HttpContext context, GatewayCall call, JsonObject body)
    {
        var deployment = await pipeline.ResolveAsync(context, call, body, "messages",
            messages => messages is JsonArray { Count: > 0 }, "'messages' must be a non-empty array");
        if (deployment is null)
            return;
        if (pipeline.Options.CaptureContent)
            ContentCapture.CaptureMessages(call, (JsonArray)body["messages"]!, pipeline.Options.MaxCapturedChars);

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

        await pipeline.ExchangeAsync(context, call, deployment, logger, async cancellationToken =>
        {
            var upstreamStarted = call.Elapsed;
            using var response = await pipeline.SendAsync(deployment, "/chat/completions", body, cancellationToken);
            var isEventStream = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
            if (stream && response.IsSuccessStatusCode && isEventStream)
            {
                await RelayStreamAsync(context, call, response, callerWantsUsage, upstreamStarted, cancellationToken);
                return;
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            call.UpstreamTime = call.Elapsed - upstreamStarted;
            if (!response.IsSuccessStatusCode)
                await GatewayPipeline.RelayUpstreamErrorAsync(context, call, response, bytes);
            else
                await RelayCompletionAsync(context, call, bytes);
        });
    }

    private async Task RelayStreamAsync(HttpContext context, GatewayCall call, HttpResponseMessage response, bool callerWantsUsage,
        TimeSpan upstreamStarted, CancellationToken cancellationToken)
    {
        var accumulator = new StreamAccumulator(pipeline.Options.MaxCapturedChars);
        try
        {
            await using var upstreamBody = await response.Content.ReadAsStreamAsync(cancellationToken);
            await StreamRelay.RelayAsync(context, upstreamBody, accumulator, call, callerWantsUsage, cancellationToken);
        }
        finally
        {
            call.UpstreamTime = call.Elapsed - upstreamStarted;
            ContentCapture.RecordStream(call, accumulator, pipeline.Options.CaptureContent);
        }
        if (!accumulator.SawDone)
        {
            // A stream that stops without [DONE] must not look finished to the caller: break the connection.
            call.Fail(InferenceStatuses.UpstreamError, 200, "incomplete_stream", "The upstream ended the stream without [DONE].");
            context.Abort();
        }
    }

    private async Task RelayCompletionAsync(HttpContext context, GatewayCall call, byte[] bytes)
    {
        var (completion, problem) = ResponseInspector.ReadChatCompletion(bytes);
        if (completion is null)
        {
            // A success status with garbage or an error object is a failed upstream, not a success.
            await GatewayPipeline.UpstreamFailedAsync(context, call, 502, InferenceStatuses.UpstreamError, "upstream_invalid_response",
                $"The upstream deployment '{call.Deployment!.Name}' returned an invalid answer: {problem}");
            return;
        }

        ContentCapture.RecordCompletion(call, completion, pipeline.Options);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers[GatewayCall.OverheadHeader] =
            Math.Max(0, (call.Elapsed - call.UpstreamTime).TotalMilliseconds).ToString("0.000", CultureInfo.InvariantCulture);
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }
}
