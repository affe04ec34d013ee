using System.Globalization;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Caching;
using LlmOps.InferenceProxy.Features.Guardrails;
using LlmOps.InferenceProxy.Features.Providers;
using LlmOps.InferenceProxy.Features.Routing;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>
/// <c>POST /v1/chat/completions</c>: validate, plan the route, try its deployments (streaming or not), relay the
/// answer, and publish one InferenceCompleted whatever happened.
/// </summary>
public sealed class ChatCompletionsEndpoint(GatewayPipeline pipeline, Prompts.PromptApplication prompts, CachePolicy cache, GuardrailGate guardrails)
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
            await pipeline.CompleteAsync(call);
        }
    }

    private async Task ServeAsync(HttpContext context, GatewayCall call, JsonObject body)
    {
        if (!await prompts.ApplyAsync(context, call, body))
            return;
        var plan = await pipeline.PlanAsync(context, call, body, "messages",
            messages => messages is JsonArray { Count: > 0 }, "'messages' must be a non-empty array");
        if (plan is null || !await guardrails.InspectRequestAsync(context, call, body))
            return;
        // Captured after the input rails, so what they masked is masked in traces too.
        if (call.CaptureContent)
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

        if (await cache.TryServeAsync(context, call, body, stream, callerWantsUsage))
            return;
        // An output rail that may mask or withhold the answer needs all of it before the caller sees any: such a streamed
        // request is fetched whole and replayed as a stream (the caller's first token waits for the last).
        var holdAnswer = stream && call.Rails.OutputHoldsAnswer;
        if (holdAnswer)
        {
            body["stream"] = false;
            body.Remove("stream_options");
        }
        await pipeline.ExchangeAsync(context, call, plan, (deployment, cancellationToken) =>
            GatewayPipeline.GuardAsync(context, call, deployment, () =>
                AttemptAsync(context, call, body, deployment, stream && !holdAnswer, callerWantsUsage, cancellationToken)));
    }

    private async Task<AttemptOutcome> AttemptAsync(HttpContext context, GatewayCall call, JsonObject body, DeploymentOptions deployment,
        bool stream, bool callerWantsUsage, CancellationToken cancellationToken)
    {
        var started = call.Elapsed;
        var adapter = ProviderAdapter.For(deployment.Provider);
        using var response = await pipeline.SendAsync(deployment, "/chat/completions", body, call.RequestedModel, cancellationToken);
        if (stream && response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "text/event-stream")
            return await RelayStreamAsync(context, call, adapter, response, callerWantsUsage, started, cancellationToken);

        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        call.UpstreamTime += call.Elapsed - started;
        if (!response.IsSuccessStatusCode)
        {
            var (status, error) = adapter.Error((int)response.StatusCode, bytes);
            var failure = AttemptOutcome.FromUpstreamError(response, status, error, deployment.Name);
            if (failure.Retryable)
                return failure;
            await GatewayPipeline.WriteFailureAsync(context, call, failure);
            return AttemptOutcome.Answered;
        }

        bytes = adapter.ChatResponse(bytes);
        var (completion, problem) = ResponseInspector.ReadChatCompletion(bytes);
        if (completion is null)
        {
            // A success status with garbage or an error object is a failed upstream, not a success.
            return AttemptOutcome.Failure(502, InferenceStatuses.UpstreamError, "upstream_invalid_response",
                $"The upstream deployment '{deployment.Name}' returned an invalid answer: {problem}");
        }

        if (call.Rails.Output.Count > 0)
        {
            var text = completion.Text;
            if (guardrails.InspectOutput(call, ref text) is { } blocking)
            {
                ContentCapture.RecordCompletion(call, completion with { Text = null, ToolCallsJson = null }, pipeline.Options);
                call.Answer = null;
                await GuardrailGate.BlockOutputAsync(context, call, blocking);
                return AttemptOutcome.Answered;
            }
            if (!string.Equals(text, completion.Text, StringComparison.Ordinal))
            {
                bytes = ResponseInspector.WithContent(bytes, text);
                completion = completion with { Text = text };
            }
        }

        ContentCapture.RecordCompletion(call, completion, pipeline.Options);
        // Kept before the caller has the answer, so a caller that asks again at once already hits.
        cache.Keep(call);
        if (call.Streamed)
        {
            // Held for the output rails; the caller asked for a stream, so it gets one.
            call.MarkFirstToken();
            await CacheReplay.StreamAsync(context, CachedCompletion.From(completion, call), callerWantsUsage, context.RequestAborted);
            return AttemptOutcome.Answered;
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers[GatewayCall.OverheadHeader] =
            Math.Max(0, (call.Elapsed - call.UpstreamTime).TotalMilliseconds).ToString("0.000", CultureInfo.InvariantCulture);
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        return AttemptOutcome.Answered;
    }

    /// <summary>
    /// From the first relayed byte on, this attempt owns the answer: failures break the caller's connection (a retry
    /// would send a second, different answer into the same stream), and usage is recorded from what passed through.
    /// </summary>
    private async Task<AttemptOutcome> RelayStreamAsync(HttpContext context, GatewayCall call, ProviderAdapter adapter,
        HttpResponseMessage response, bool callerWantsUsage, TimeSpan started, CancellationToken cancellationToken)
    {
        var accumulator = new StreamAccumulator();
        try
        {
            await using var upstreamBody = await response.Content.ReadAsStreamAsync(cancellationToken);
            await StreamRelay.RelayAsync(context, adapter.ChatStream(upstreamBody, cancellationToken), accumulator, call,
                callerWantsUsage, () =>
                {
                    ContentCapture.RecordStream(call, accumulator, pipeline.Options);
                    // Only rails that flag run on a live stream (the others hold the answer): the verdict is recorded.
                    var text = accumulator.Text;
                    guardrails.InspectOutput(call, ref text);
                    cache.Keep(call);
                }, cancellationToken);
        }
        catch (Exception ex) when (GatewayPipeline.ClientGone(context, ex))
        {
            return AttemptOutcome.CallerGone;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            await GatewayPipeline.WriteFailureAsync(context, call, AttemptOutcome.Failure(502,
                ex is OperationCanceledException ? InferenceStatuses.Timeout : InferenceStatuses.UpstreamError,
                "upstream_stream_failed", "The upstream stream failed after the answer had started."));
            return AttemptOutcome.Answered;
        }
        finally
        {
            call.UpstreamTime += call.Elapsed - started;
            ContentCapture.RecordStream(call, accumulator, pipeline.Options);
        }
        if (!accumulator.SawDone)
        {
            // A stream that stops without [DONE] must not look finished to the caller: break the connection.
            await GatewayPipeline.WriteFailureAsync(context, call, AttemptOutcome.Failure(200, InferenceStatuses.UpstreamError,
                "incomplete_stream", "The upstream ended the stream without [DONE]."));
        }
        return AttemptOutcome.Answered;
    }
}
