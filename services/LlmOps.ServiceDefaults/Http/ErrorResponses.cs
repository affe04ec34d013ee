using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.ServiceDefaults.Http;

/// <summary>
/// Error bodies in the shape each audience parses: OpenAI's <c>{"error":{...}}</c> on the <c>/v1</c> gateway routes
/// (the official SDKs turn it into typed exceptions), RFC 7807 problem details everywhere else.
/// </summary>
public static class ErrorResponses
{
    // Error messages quote things like 'Bearer <key>'; the default encoder would turn them into \u0027 and \u003C.
    private static readonly JsonSerializerOptions ErrorJsonOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = OpenAiErrorJson.Default,
    };

    public static bool IsOpenAiRoute(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase);

    public static async Task WriteAsync(HttpContext context, int status, string message, string? code = null, string? param = null)
    {
        if (context.Response.HasStarted)
            return;

        context.Response.StatusCode = status;
        if (IsOpenAiRoute(context))
        {
            await WriteOpenAiAsync(context, status, message, OpenAiType(status), code, param);
            return;
        }

        var problem = new ProblemDetails
        {
            Status = status,
            Title = ReasonPhrases.GetReasonPhrase(status),
            Detail = message,
            Type = $"https://httpstatuses.io/{status}",
            Instance = context.Request.Path,
        };
        if (code is not null)
            problem.Extensions["code"] = code;
        if (param is not null)
            problem.Extensions["param"] = param;

        var service = context.RequestServices.GetService<IProblemDetailsService>();
        if (service is null || !await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            context.Response.ContentType = "application/problem+json";
            await JsonSerializer.SerializeAsync(context.Response.Body, problem, JsonSerializerOptions.Web, context.RequestAborted);
        }
    }

    public static Task WriteOpenAiAsync(HttpContext context, int status, string message, string type, string? code, string? param)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new OpenAiErrorEnvelope(new OpenAiError(message, type, param, code));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, ErrorJsonOptions, context.RequestAborted);
    }

    /// <summary>The <c>type</c> OpenAI uses for each status, which the SDKs map to exception classes.</summary>
    public static string OpenAiType(int status) => status switch
    {
        401 => "invalid_request_error",
        403 => "permission_error",
        404 => "invalid_request_error",
        429 => "rate_limit_exceeded",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    /// <summary>Adds the current trace id to every problem details body, so a user can quote it.</summary>
    public static void AddTraceId(ProblemDetailsContext context)
    {
        var traceId = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        context.ProblemDetails.Extensions["traceId"] = traceId;
    }
}

public sealed record OpenAiErrorEnvelope([property: JsonPropertyName("error")] OpenAiError Error);

public sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

[JsonSerializable(typeof(OpenAiErrorEnvelope))]
internal sealed partial class OpenAiErrorJson : JsonSerializerContext;
