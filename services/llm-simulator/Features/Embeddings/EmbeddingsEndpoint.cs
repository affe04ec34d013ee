using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.LlmSimulator.Features.Directives;
using LlmOps.LlmSimulator.Text;
using LlmOps.LlmSimulator.Features;
using Microsoft.Extensions.Options;

namespace LlmOps.LlmSimulator.Features.Embeddings;

public static class EmbeddingsEndpoint
{
    private const int MaxDimensions = 3072;

    public static async Task HandleAsync(HttpContext context, IOptions<SimulatorOptions> options, SimulatorStats stats)
    {
        stats.CountEmbeddings();
        if (await SimErrors.ReadAuthorizedJsonAsync(context, options) is not { } body)
            return;

        if (body is not JsonObject root || root["model"]?.GetValueKind() != JsonValueKind.String)
        {
            await SimErrors.WriteAsync(context, 400, "you must provide a model parameter", "invalid_request_error", param: "model");
            return;
        }
        var inputs = Inputs(root["input"]);
        if (inputs is null || inputs.Count == 0)
        {
            await SimErrors.WriteAsync(context, 400, "'input' must be a non-empty string or array", "invalid_request_error", param: "input");
            return;
        }

        var dimensions = root["dimensions"] is JsonValue d && d.TryGetValue<int>(out var requested) ? requested : options.Value.EmbeddingDimensions;
        if (dimensions is < 1 or > MaxDimensions)
        {
            await SimErrors.WriteAsync(context, 400, $"'dimensions' must be between 1 and {MaxDimensions}", "invalid_request_error", param: "dimensions");
            return;
        }

        var directives = SimDirectives.Resolve(options.Value, context.Request.Headers, inputs);
        if (directives.Fail is SimDirectives.FailureKinds.RateLimited or SimDirectives.FailureKinds.ServerError or SimDirectives.FailureKinds.Unavailable)
        {
            var status = int.Parse(directives.Fail, System.Globalization.CultureInfo.InvariantCulture);
            await SimErrors.WriteAsync(context, status, "Simulated failure.", status == 429 ? "requests" : "server_error");
            return;
        }
        if (directives.TimeToFirstTokenMs > 0)
            await Task.Delay(directives.TimeToFirstTokenMs, context.RequestAborted);

        var base64 = root["encoding_format"]?.GetValue<string>() == "base64";
        var buffer = new ArrayBufferWriter<byte>(dimensions * inputs.Count * 12 + 256);
        var tokens = 0;
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            for (var i = 0; i < inputs.Count; i++)
            {
                tokens += SimTokenizer.Count(inputs[i]);
                var vector = HashedEmbedder.Embed(inputs[i], dimensions);
                json.WriteStartObject();
                json.WriteString("object", "embedding");
                json.WriteNumber("index", i);
                if (base64)
                {
                    json.WriteBase64String("embedding", MemoryMarshal.AsBytes(vector.AsSpan()));
                }
                else
                {
                    json.WriteStartArray("embedding");
                    foreach (var value in vector)
                        json.WriteNumberValue(value);
                    json.WriteEndArray();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString("model", root["model"]!.GetValue<string>());
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", tokens);
            json.WriteNumber("total_tokens", tokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>A string, an array of strings, or token arrays (counted as their numbers' text).</summary>
    private static List<string>? Inputs(JsonNode? input) => input switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => [text],
        JsonArray array when array.All(n => n is JsonValue v && v.TryGetValue<string>(out _)) =>
            array.Select(n => n!.GetValue<string>()).ToList(),
        JsonArray array when array.All(n => n is JsonValue v && v.TryGetValue<int>(out _)) =>
            [string.Join(' ', array.Select(n => n!.GetValue<int>()))],
        JsonArray array when array.All(n => n is JsonArray) =>
            array.Select(n => string.Join(' ', ((JsonArray)n!).Select(t => t!.ToJsonString()))).ToList(),
        _ => null,
    };
}
