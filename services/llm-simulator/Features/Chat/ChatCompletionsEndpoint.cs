using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.LlmSimulator.Features.Directives;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace LlmOps.LlmSimulator.Features.Chat;

public static class ChatCompletionsEndpoint
{
    /// <summary>Azure OpenAI's route: like OpenAI's, but an api-version is required and the path names the model.</summary>
    public static Task HandleAzureAsync(HttpContext context, string deployment, IOptions<SimulatorOptions> options, SimulatorStats stats)
    {
        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
            return SimErrors.WriteAsync(context, 400, "api-version query parameter is required", "invalid_request_error", param: "api-version");
        return HandleAsync(context, options, stats, deployment);
    }

    public static async Task HandleAsync(HttpContext context, IOptions<SimulatorOptions> options, SimulatorStats stats) =>
        await HandleAsync(context, options, stats, modelOverride: null);

    private static async Task HandleAsync(HttpContext context, IOptions<SimulatorOptions> options, SimulatorStats stats, string? modelOverride)
    {
        stats.CountChat();
        if (await SimErrors.ReadAuthorizedJsonAsync(context, options) is not { } body)
            return;
        if (modelOverride is not null && body is JsonObject withModel)
            withModel["model"] = modelOverride;

        var (request, error, param) = ChatRequest.Parse(body);
        if (request is null)
        {
            await SimErrors.WriteAsync(context, 400, error!, "invalid_request_error", param: param);
            return;
        }

        var directives = SimDirectives.Resolve(options.Value, context.Request.Headers, request.Messages.Select(m => m.Content));
        if (directives.Validate() is { } invalid)
        {
            await SimErrors.WriteAsync(context, 400, invalid, "invalid_request_error");
            return;
        }

        var id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (directives.Fail is { } fail && fail != SimDirectives.FailureKinds.StreamCut)
        {
            await FailAsync(context, fail, id, options.Value);
            return;
        }

        var plan = CompletionPlan.Create(request, directives, options.Value);
        var cancel = context.RequestAborted;
        if (directives.TimeToFirstTokenMs > 0)
            await Task.Delay(directives.TimeToFirstTokenMs, cancel);

        if (!request.Stream)
        {
            if (directives.PerTokenMs > 0)
                await Task.Delay(directives.PerTokenMs * plan.Pieces.Count, cancel);
            var json = ChatResponseWriter.Completion(plan, id, created);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = json.Length;
            await context.Response.Body.WriteAsync(json, cancel);
            return;
        }

        await StreamAsync(context, request, directives, plan, id, created);
    }

    private static async Task StreamAsync(HttpContext context, ChatRequest request, SimDirectives directives,
        CompletionPlan plan, string id, long created)
    {
        var cancel = context.RequestAborted;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var usageMode = request.IncludeUsage ? directives.UsageMode : "none";
        var usageNull = usageMode == "separate";
        await WriteEventAsync(response, ChatResponseWriter.RoleChunk(plan, id, created, usageNull), cancel);

        var sent = 0;
        foreach (var piece in plan.Pieces)
        {
            if (directives.Fail == SimDirectives.FailureKinds.StreamCut && sent == directives.CutAfterChunks)
            {
                // Drop the connection mid-answer, as an upstream that crashes does.
                context.Abort();
                return;
            }
            if (directives.PerTokenMs > 0)
                await Task.Delay(directives.PerTokenMs, cancel);
            await WriteEventAsync(response, ChatResponseWriter.PieceChunk(plan, id, created, piece, usageNull), cancel);
            sent++;
        }

        await WriteEventAsync(response,
            ChatResponseWriter.FinishChunk(plan, id, created, usageNull, withUsage: usageMode == "with-last-choice"), cancel);
        if (usageMode == "separate")
            await WriteEventAsync(response, ChatResponseWriter.UsageChunk(plan, id, created), cancel);
        await response.Body.WriteAsync(ChatResponseWriter.DoneEvent, cancel);
        await response.Body.FlushAsync(cancel);
    }

    private static async Task WriteEventAsync(HttpResponse response, byte[] framed, CancellationToken cancel)
    {
        await response.Body.WriteAsync(framed, cancel);
        await response.Body.FlushAsync(cancel);
    }

    private static async Task FailAsync(HttpContext context, string kind, string id, SimulatorOptions options)
    {
        switch (kind)
        {
            case SimDirectives.FailureKinds.RateLimited:
                context.Response.Headers.RetryAfter = "1";
                await SimErrors.WriteAsync(context, 429, "Rate limit reached for requests. Please try again in 1s.",
                    "requests", "rate_limit_exceeded");
                break;
            case SimDirectives.FailureKinds.ServerError:
                await SimErrors.WriteAsync(context, 500, "The server had an error while processing your request.", "server_error");
                break;
            case SimDirectives.FailureKinds.Unavailable:
                await SimErrors.WriteAsync(context, 503, "The engine is currently overloaded, please try again later.", "server_error");
                break;
            case SimDirectives.FailureKinds.Timeout:
                // Hold the request; the caller's timeout is expected to fire first.
                await Task.Delay(options.HangMs, context.RequestAborted);
                await SimErrors.WriteAsync(context, 504, "The simulator held this request until its hang limit.", "server_error");
                break;
            case SimDirectives.FailureKinds.Malformed:
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(ChatResponseWriter.Malformed(id), context.RequestAborted);
                break;
            case SimDirectives.FailureKinds.ErrorBody:
                await SimErrors.WriteAsync(context, 200, "The model produced invalid content.", "server_error", "model_error");
                break;
            case SimDirectives.FailureKinds.Empty:
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                break;
        }
    }
}
