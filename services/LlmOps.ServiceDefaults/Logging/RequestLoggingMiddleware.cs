using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmOps.ServiceDefaults.Logging;

/// <summary>
/// One log line per HTTP request, written when the response has been sent (Serilog.AspNetCore, which would do
/// this, is not obtainable here). Health probes are logged at Debug so they do not drown the log.
/// </summary>
public sealed partial class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var status = context.Response.StatusCode;
            var path = context.Request.Path.Value ?? "/";
            var level = path.StartsWith("/health", StringComparison.Ordinal) ? LogLevel.Debug
                : status >= 500 ? LogLevel.Error
                : LogLevel.Information;
            if (logger.IsEnabled(level))
            {
                LogRequest(logger, level, context.Request.Method, path, status, elapsedMs,
                    context.RequestAborted.IsCancellationRequested);
            }
        }
    }

    [LoggerMessage(Message = "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.000} ms (client aborted: {Aborted})")]
    private static partial void LogRequest(ILogger logger, LogLevel level, string method, string path, int statusCode,
        double elapsedMs, bool aborted);
}
