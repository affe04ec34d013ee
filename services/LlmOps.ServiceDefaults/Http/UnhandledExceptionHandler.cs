using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmOps.ServiceDefaults.Http;

/// <summary>
/// Turns exceptions into clear error bodies: a bad request (malformed JSON, a body over the limit) keeps its 4xx
/// and says why; anything else is a logged 500 that quotes the trace id and never leaks the exception.
/// </summary>
public sealed partial class UnhandledExceptionHandler(ILogger<UnhandledExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case BadHttpRequestException bad:
                LogBadRequest(logger, context.Request.Method, context.Request.Path, bad.StatusCode, bad.Message);
                await ErrorResponses.WriteAsync(context, bad.StatusCode, Describe(bad));
                return true;
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                // The client went away; there is nobody to answer.
                context.Response.StatusCode = 499;
                return true;
            default:
                LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
                await ErrorResponses.WriteAsync(context, StatusCodes.Status500InternalServerError,
                    $"An unexpected error occurred. Quote trace id {context.TraceIdentifier} when reporting it.");
                return true;
        }
    }

    private static string Describe(BadHttpRequestException exception)
    {
        if (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
            return "The request body is too large.";
        var json = FindInner<JsonException>(exception);
        return json is not null
            ? $"The request body is not valid JSON for this endpoint: {json.Message}"
            : exception.Message;
    }

    private static T? FindInner<T>(Exception exception) where T : Exception
    {
        for (var current = exception.InnerException; current is not null; current = current.InnerException)
        {
            if (current is T match)
                return match;
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bad request {Method} {Path}: {StatusCode} {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string method, string path, int statusCode, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
