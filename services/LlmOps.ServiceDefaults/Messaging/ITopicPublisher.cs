namespace LlmOps.ServiceDefaults.Messaging;

/// <summary>
/// Publishes CloudEvents on a topic for outside subscribers (Dapr apps, or any service that binds a queue). Not the
/// platform's own messaging: services consume each other's contracts over MassTransit; a topic is a fan-out copy.
/// </summary>
public interface ITopicPublisher
{
    /// <summary>
    /// Returns once the event is safely on the topic: confirmed by the broker (RabbitMQ), or kept (in memory).
    /// Throws otherwise, and then the event may or may not have gone out: retry with the same <see cref="CloudEvent.Id"/>
    /// and subscribers drop the duplicate. A <see cref="TimeoutException"/> when no confirm came within
    /// <c>Messaging:PublishTimeout</c>; another exception for a refusal (nack) or a broken connection.
    /// </summary>
    /// <param name="topic">An exchange name, normally <see cref="Topics.Alerts"/> or <see cref="Topics.Actions"/>.</param>
    Task PublishAsync(string topic, CloudEvent cloudEvent, CancellationToken ct);
}
