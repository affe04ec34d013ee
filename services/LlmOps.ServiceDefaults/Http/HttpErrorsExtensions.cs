using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.ServiceDefaults.Http;

public static class HttpErrorsExtensions
{
    public static WebApplicationBuilder AddLlmOpsHttpErrors(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ErrorResponses.AddTraceId);
        // API JSON is read by programs, not rendered as HTML: keep quotes and angle brackets readable.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        builder.Services.AddExceptionHandler<UnhandledExceptionHandler>();
        // Minimal API binding failures (malformed JSON, wrong types) become exceptions our handler turns into a
        // 400 that says what was wrong, instead of an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<HttpOptions>(builder.Configuration.GetSection(HttpOptions.Section));
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = context.Configuration.GetSection(HttpOptions.Section).Get<HttpOptions>() ?? new HttpOptions();
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        return builder;
    }

    public static IApplicationBuilder UseLlmOpsHttpErrors(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(WriteEmptyStatusAsync);
        return app;
    }

    // A 4xx/5xx produced without a body (no route, wrong method, a bare Results.StatusCode) still gets one.
    private static Task WriteEmptyStatusAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var message = status switch
        {
            404 => $"No route matches {http.Request.Method} {http.Request.Path}.",
            405 => $"{http.Request.Method} is not allowed on {http.Request.Path}.",
            413 => "The request body is too large.",
            415 => "The request's content type is not supported here.",
            _ => ReasonPhrases.GetReasonPhrase(status),
        };
        var code = status == 404 ? "not_found" : null;
        return ErrorResponses.WriteAsync(http, status, message, code);
    }
}

public sealed class HttpOptions
{
    public const string Section = "Http";

    /// <summary>Upper bound for any request body; endpoints may set a lower one.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;
}
