using LlmOps.LlmSimulator.Features.Chat;
using LlmOps.LlmSimulator.Features.Embeddings;
using LlmOps.LlmSimulator.Features.Models;

namespace LlmOps.LlmSimulator;

public static class SimulatorExtensions
{
    public static IHostApplicationBuilder AddLlmSimulator(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.Section);
        return builder;
    }

    /// <summary>
    /// Maps <c>{prefix}/v1/chat/completions</c>, <c>{prefix}/v1/embeddings</c> and <c>{prefix}/v1/models</c>. The routes
    /// are anonymous to the host's own authentication: the simulator checks its own provider key, like a provider.
    /// </summary>
    public static IEndpointRouteBuilder MapLlmSimulatorEndpoints(this IEndpointRouteBuilder endpoints, string prefix = "")
    {
        var v1 = endpoints.MapGroup(prefix + "/v1").AllowAnonymous().WithTags("llm-simulator");
        v1.MapPost("/chat/completions", ChatCompletionsEndpoint.HandleAsync);
        v1.MapPost("/embeddings", EmbeddingsEndpoint.HandleAsync);
        v1.MapGet("/models", ModelsEndpoint.HandleAsync);
        return endpoints;
    }
}
