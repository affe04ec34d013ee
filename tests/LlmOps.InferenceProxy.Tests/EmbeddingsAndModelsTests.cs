using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Tests;

public class EmbeddingsAndModelsTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task The_sdk_gets_embeddings_through_the_gateway_and_their_usage_is_recorded()
    {
        var result = await gateway.Embeddings("sim-embed").GenerateEmbeddingAsync("What is a trace?");

        Assert.Equal(256, result.Value.ToFloats().Length);
        result.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var traceId);
        var inference = await gateway.Capture.ForTraceAsync(traceId!);
        Assert.Equal(InferenceOperations.Embeddings, inference.Operation);
        Assert.Equal(InferenceStatuses.Success, inference.Status);
        Assert.Equal(5, inference.Usage.InputTokens); // "What" " is" " a" " trace" "?"
        Assert.Null(inference.Content);
    }

    [Fact]
    public async Task Models_lists_the_names_callers_can_route_to()
    {
        using var client = gateway.Gateway.CreateClient();

        var body = JsonNode.Parse(await client.GetStringAsync("/v1/models"))!;

        var ids = body["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToList();
        Assert.Contains("sim-small", ids);
        Assert.Contains("my-alias", ids);
        Assert.Equal("list", body["object"]!.GetValue<string>());
    }
}
