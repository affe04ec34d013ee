using System.Text.Json;
using System.Text.Json.Nodes;
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

    /// <summary>
    /// Authorizes the request and parses its JSON body; on failure writes the OpenAI-shaped error and returns null.
    /// </summary>
    public static async Task<JsonNode?> ReadAuthorizedJsonAsync(HttpContext context, IOptions<SimulatorOptions> options)
    {
        if (!await AuthorizeAsync(context, options))
            return null;
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted)
                ?? throw new JsonException("empty body");
        }
        catch (JsonException)
        {
            await WriteAsync(context, 400, "We could not parse the JSON body of your request.", "invalid_request_error");
            return null;
        }
    }

    /// <summary>Checks the provider key when one is configured; writes the 401 and returns false when it is wrong.</summary>
    public static async Task<bool> AuthorizeAsync(HttpContext context, IOptions<SimulatorOptions> options)
    {
        var expected = options.Value.ApiKey;
        if (string.IsNullOrEmpty(expected))
            return true;
        if (context.Request.Headers.Authorization.ToString() == "Bearer " + expected
            || context.Request.Headers["api-key"].ToString() == expected)
            return true;
        await WriteAsync(context, 401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
        return false;
    }
}
