using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary><c>POST /v1/embeddings</c>: routed like chat, the project's PII and banned-term input rails applied, forwarded; usage recorded for pricing.</summary>
public sealed class EmbeddingsEndpoint(GatewayPipeline pipeline, Guardrails.GuardrailGate guardrails)
{
    public async Task HandleAsync(HttpContext context)
    {
        if (await pipeline.BeginAsync(context, InferenceOperations.Embeddings) is not var (call, body))
            return;
        try
        {
            var plan = await pipeline.PlanAsync(context, call, body, "input", input => input is not null, "'input' is required",
                embeddings: true);
            if (plan is not null && await guardrails.InspectEmbeddingInputAsync(context, call, body))
            {
                await pipeline.ExchangeAsync(context, call, plan, (deployment, cancellationToken) =>
                    GatewayPipeline.GuardAsync(context, call, deployment, () => AttemptAsync(context, call, body, deployment, cancellationToken)));
            }
        }
        finally
        {
            // Embedding inputs are not captured: there is no answer text to evaluate, and inputs can be whole documents.
            call.CaptureContent = false;
            await pipeline.CompleteAsync(call);
        }
    }

    private async Task<AttemptOutcome> AttemptAsync(HttpContext context, GatewayCall call, JsonObject body, DeploymentOptions deployment,
        CancellationToken cancellationToken)
    {
        var started = call.Elapsed;
        using var response = await pipeline.SendAsync(deployment, "/embeddings", body, call.RequestedModel, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        call.UpstreamTime += call.Elapsed - started;
        if (!response.IsSuccessStatusCode)
        {
            var failure = AttemptOutcome.FromUpstreamError(response, (int)response.StatusCode, bytes, deployment.Name);
            if (failure.Retryable)
                return failure;
            await GatewayPipeline.WriteFailureAsync(context, call, failure);
            return AttemptOutcome.Answered;
        }
        if (!TryReadUsage(bytes, out var usage, out var servedModel))
        {
            return AttemptOutcome.Failure(502, InferenceStatuses.UpstreamError, "upstream_invalid_response",
                $"The upstream deployment '{deployment.Name}' returned an invalid embeddings answer.");
        }
        call.Usage = usage;
        call.ServedModel = servedModel;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        return AttemptOutcome.Answered;
    }

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
