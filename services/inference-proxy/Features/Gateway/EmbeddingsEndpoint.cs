using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary><c>POST /v1/embeddings</c>: forwarded as is; usage recorded for pricing.</summary>
public sealed class EmbeddingsEndpoint(GatewayPipeline pipeline, ILogger<EmbeddingsEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        if (await pipeline.BeginAsync(context, InferenceOperations.Embeddings) is not var (call, body))
            return;
        try
        {
            var deployment = await pipeline.ResolveAsync(context, call, body, "input", input => input is not null, "'input' is required");
            if (deployment is not null)
                await ForwardAsync(context, call, body, deployment);
        }
        finally
        {
            await pipeline.CompleteAsync(call, captureContent: false);
        }
    }

    private Task ForwardAsync(HttpContext context, GatewayCall call, JsonObject body, DeploymentOptions deployment) =>
        pipeline.ExchangeAsync(context, call, deployment, logger, async cancellationToken =>
        {
            var started = call.Elapsed;
            using var response = await pipeline.SendAsync(deployment, "/embeddings", body, cancellationToken);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            call.UpstreamTime = call.Elapsed - started;
            if (!response.IsSuccessStatusCode)
            {
                await GatewayPipeline.RelayUpstreamErrorAsync(context, call, response, bytes);
                return;
            }
            if (!TryReadUsage(bytes, out var usage, out var servedModel))
            {
                await GatewayPipeline.UpstreamFailedAsync(context, call, 502, InferenceStatuses.UpstreamError, "upstream_invalid_response",
                    $"The upstream deployment '{deployment.Name}' returned an invalid embeddings answer.");
                return;
            }
            call.Usage = usage;
            call.ServedModel = servedModel;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        });

    private static bool TryReadUsage(byte[] bytes, out TokenUsage usage, out string? model)
    {
        usage = new TokenUsage();
        model = null;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                return false;
            usage = ResponseInspector.ReadUsage(root) ?? new TokenUsage { Estimated = true };
            model = ResponseInspector.StringOrNull(root, "model");
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
