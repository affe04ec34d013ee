using System.Text.Json;
using Microsoft.Extensions.Options;

namespace LlmOps.LlmSimulator.Features;

/// <summary>Errors as OpenAI sends them, so clients and gateways meet the shapes they meet in production.</summary>
public static class SimErrors
{
    public static Task WriteAsync(HttpContext context, int status, string message, string type, string? code = null, string? param = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new { error = new { message, type, param, code } };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }

    /// <summary>Checks the provider key when one is configured; writes the 401 and returns false when it is wrong.</summary>
    public static async Task<bool> AuthorizeAsync(HttpContext context, IOptions<SimulatorOptions> options)
    {
        var expected = options.Value.ApiKey;
        if (string.IsNullOrEmpty(expected))
            return true;
        if (context.Request.Headers.Authorization.ToString() == "Bearer " + expected)
            return true;
        await WriteAsync(context, 401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
        return false;
    }
}
