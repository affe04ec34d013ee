using LlmOps.InferenceProxy.Features.Routing;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary><c>GET /v1/models</c>: the model names this gateway routes, in OpenAI's list shape.</summary>
public static class ModelsEndpoint
{
    public static IResult Handle(DeploymentResolver resolver) =>
        Results.Json(new
        {
            @object = "list",
            data = resolver.ListModels().Select(m => new { id = m.Model, @object = "model", created = 0L, owned_by = m.Deployment }),
        });
}
