using System.Text.Json.Nodes;
using LlmOps.LlmSimulator.Features.Chat;
using LlmOps.LlmSimulator.Features.Directives;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace LlmOps.LlmSimulator.Features.Anthropic;

/// <summary>
/// <c>POST /v1/messages</c> in Anthropic's Messages API shape (JSON and SSE with named events, tool use), the stand-in
/// for Anthropic behind a gateway that translates. Auth: <c>x-api-key</c>; <c>anthropic-version</c> is required.
/// </summary>
public static class MessagesEndpoint
{
    public static async Task HandleAsync(HttpContext context, IOptions<SimulatorOptions> options, SimulatorStats stats)
    {
        stats.CountChat();
        var expectedKey = options.Value.ApiKey;
        if (!string.IsNullOrEmpty(expectedKey) && context.Request.Headers["x-api-key"].ToString() != expectedKey)
        {
            await WriteErrorAsync(context, 401, "authentication_error", "invalid x-api-key");
            return;
        }
        if (string.IsNullOrEmpty(context.Request.Headers["anthropic-version"]))
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", "anthropic-version: header is required");
            return;
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (System.Text.Json.JsonException)
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", "The request body is not valid JSON.");
            return;
        }
        var (request, error) = AnthropicRequest.Parse(body);
        if (request is null)
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", error!);
            return;
        }

        var directives = SimDirectives.Resolve(options.Value, context.Request.Headers, request.Messages.Select(m => m.Content));
        switch (directives.Fail)
        {
            case SimDirectives.FailureKinds.RateLimited:
                context.Response.Headers.RetryAfter = "1";
                await WriteErrorAsync(context, 429, "rate_limit_error", "Number of requests has exceeded your rate limit.");
                return;
            case SimDirectives.FailureKinds.ServerError:
                await WriteErrorAsync(context, 500, "api_error", "Internal server error.");
                return;
            case SimDirectives.FailureKinds.Unavailable:
                await WriteErrorAsync(context, 529, "overloaded_error", "Overloaded");
                return;
        }

        var plan = CompletionPlan.Create(request, directives, options.Value);
        var id = "msg_sim" + Guid.NewGuid().ToString("N")[..18];
        if (directives.TimeToFirstTokenMs > 0)
            await Task.Delay(directives.TimeToFirstTokenMs, context.RequestAborted);
        if (!request.Stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(AnthropicResponseWriter.Message(plan, id), context.RequestAborted);
            return;
        }
        await StreamAsync(context, plan, id, directives);
    }

    private static async Task StreamAsync(HttpContext context, CompletionPlan plan, string id, SimDirectives directives)
    {
        var cancel = context.RequestAborted;
        context.Response.ContentType = "text/event-stream";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        async Task Send(string name, JsonObject data)
        {
            await context.Response.Body.WriteAsync(AnthropicResponseWriter.Event(name, data), cancel);
            await context.Response.Body.FlushAsync(cancel);
        }

        var startUsage = AnthropicResponseWriter.Usage(plan);
        startUsage["output_tokens"] = 1;
        await Send("message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject
            {
                ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["model"] = plan.Model,
                ["content"] = new JsonArray(), ["stop_reason"] = null, ["stop_sequence"] = null, ["usage"] = startUsage,
            },
        });
        await Send("ping", new JsonObject { ["type"] = "ping" });

        var isTool = plan.ToolCall is not null;
        var block = isTool
            ? new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_" + plan.ToolCall!.Id["call_".Length..], ["name"] = plan.ToolCall.Name, ["input"] = new JsonObject() }
            : new JsonObject { ["type"] = "text", ["text"] = "" };
        await Send("content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = block });
        var sent = 0;
        foreach (var piece in plan.Pieces)
        {
            if (directives.Fail == SimDirectives.FailureKinds.StreamCut && sent == directives.CutAfterChunks)
            {
                context.Abort();
                return;
            }
            if (directives.PerTokenMs > 0)
                await Task.Delay(directives.PerTokenMs, cancel);
            var delta = isTool
                ? new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece }
                : new JsonObject { ["type"] = "text_delta", ["text"] = piece };
            await Send("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = delta });
            sent++;
        }
        await Send("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 });
        await Send("message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = AnthropicResponseWriter.StopReason(plan), ["stop_sequence"] = null },
            ["usage"] = AnthropicResponseWriter.Usage(plan, outputOnly: true),
        });
        await Send("message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(AnthropicResponseWriter.Error(type, message).ToJsonString(), context.RequestAborted);
    }
}
