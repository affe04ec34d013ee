using LlmOps.LlmSimulator.Features.Chat;
using LlmOps.LlmSimulator.Features.Embeddings;
using LlmOps.LlmSimulator.Features.Models;

namespace LlmOps.LlmSimulator;

public static class SimulatorExtensions
{
    public static IHostApplicationBuilder AddLlmSimulator(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.Section);
        builder.Services.AddSingleton<Features.SimulatorStats>();
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
        v1.MapPost("/messages", Features.Anthropic.MessagesEndpoint.HandleAsync);

        // Azure OpenAI's shape: the deployment in the path, api-version in the query, the key in an api-key header.
        var azure = endpoints.MapGroup(prefix + "/openai/deployments/{deployment}").AllowAnonymous().WithTags("llm-simulator");
        azure.MapPost("/chat/completions", ChatCompletionsEndpoint.HandleAzureAsync);
        azure.MapPost("/embeddings", EmbeddingsEndpoint.HandleAsync);

        endpoints.MapGet(prefix + "/sim/stats", (Features.SimulatorStats stats) =>
            Results.Ok(new { chatCompletions = stats.ChatCompletions, embeddings = stats.Embeddings })).AllowAnonymous();
        return endpoints;
    }
}
