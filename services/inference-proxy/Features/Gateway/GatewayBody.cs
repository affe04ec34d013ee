using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary>Reads a gateway request body as a JSON object, within the configured size limit.</summary>
public static class GatewayBody
{
    public sealed record Failure(int Status, string Message, string? Code);

    public static async Task<(JsonObject? Body, Failure? Failure)> ReadAsync(HttpContext context, long maxBytes)
    {
        if (context.Request.ContentLength > maxBytes)
            return (null, new Failure(413, $"The request body is larger than the {maxBytes} bytes this gateway accepts.", "request_too_large"));
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
            sizeFeature.MaxRequestBodySize = maxBytes;

        try
        {
            var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return node is JsonObject body
                ? (body, null)
                : (null, new Failure(400, "The request body must be a JSON object.", "invalid_json"));
        }
        catch (JsonException ex)
        {
            return (null, new Failure(400, $"We could not parse the JSON body of your request: {ex.Message}", "invalid_json"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, new Failure(413, $"The request body is larger than the {maxBytes} bytes this gateway accepts.", "request_too_large"));
        }
    }

    public static string? RequiredString(JsonObject body, string property) =>
        body[property] is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;
}
