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
    public Task PublishAsync<T>(T message, CancellationToken cancellationToken) where T : class =>
        PublishAsync(message, typeof(T), cancellationToken);

    /// <summary>For a message whose type is known only at run time (published as that type, not as object).</summary>
    public async Task PublishAsync(object message, Type messageType, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.PublishTimeout);
        try
        {
            await bus.Publish(message, messageType, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The broker did not confirm {messageType.Name} within {options.Value.PublishTimeout}.");
        }
    }
}
