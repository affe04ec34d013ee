using LlmOps.InferenceProxy.Features.Keys;
using LlmOps.InferenceProxy.Features.Routing;

namespace LlmOps.InferenceProxy.Features.Gateway;

/// <summary><c>GET /v1/models</c>: the model names this gateway routes that the caller's key may use, in OpenAI's list shape.</summary>
public static class ModelsEndpoint
{
    public static IResult Handle(HttpContext context, Router router, KeyPolicy keys) =>
        Results.Json(new
        {
            @object = "list",
            data = router.ListModels().Where(m => keys.MayUse(context.User, m.Model)).Select(m => new { id = m.Model, @object = "model", created = 0L, owned_by = m.Owner }),
        });
}
