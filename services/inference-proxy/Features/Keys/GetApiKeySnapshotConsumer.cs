using LlmOps.Contracts.Access;
using MassTransit;

namespace LlmOps.InferenceProxy.Features.Keys;

/// <summary>Answers other services' key snapshot requests from the gateway's own key table.</summary>
public sealed class GetApiKeySnapshotConsumer(KeyRegistry registry) : IConsumer<GetApiKeySnapshot>
{
    public async Task Consume(ConsumeContext<GetApiKeySnapshot> context) =>
        await context.RespondAsync(await registry.SnapshotAsync(context.CancellationToken));
}
