using MassTransit;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Messaging;

/// <summary>
/// Publishing from outside a consumer (HTTP edges, background services) with a deadline: when the broker is
/// unreachable MassTransit waits for it, and a caller must get an answer instead of hanging.
/// Inside consumers, publish through the ConsumeContext (the outbox holds it until the consumer succeeds).
/// </summary>
public sealed class BoundedPublisher(IBus bus, IOptions<MessagingOptions> options)
{
    public async Task PublishAsync<T>(T message, CancellationToken cancellationToken) where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.PublishTimeout);
        try
        {
            await bus.Publish(message, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The broker did not confirm {typeof(T).Name} within {options.Value.PublishTimeout}.");
        }
    }
}
