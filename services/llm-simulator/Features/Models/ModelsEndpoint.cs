using Microsoft.Extensions.Options;

namespace LlmOps.LlmSimulator.Features.Models;

public static class ModelsEndpoint
{
    public static async Task HandleAsync(HttpContext context, IOptions<SimulatorOptions> options)
    {
        if (!await SimErrors.AuthorizeAsync(context, options))
            return;
        var data = options.Value.EffectiveModels.Select(id => new { id, @object = "model", created = 1_700_000_000L, owned_by = "llmops-simulator" });
        await context.Response.WriteAsJsonAsync(new { @object = "list", data }, context.RequestAborted);
    }
}
