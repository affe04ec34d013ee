using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace LlmOps.Samples.AlertSubscriber;

/// <summary>
/// Subscribing without Dapr: for each topic, a durable queue of its own, <c>{AppId}-{topic}</c> (the name Dapr would
/// give it), bound to the topic's fanout exchange; consumed with manual acks and a bounded prefetch. The queue keeps
/// collecting events while this service is down; events published before it was first declared are not kept anywhere.
/// </summary>
/// <remarks>
/// On a lost connection it starts over (connect, declare, consume) after a pause rather than relying on the client's
/// background recovery: one loop, easy to follow, and the declarations are idempotent.
/// </remarks>
public sealed partial class RabbitMqSubscriber(EventInbox inbox, IOptions<SubscriberOptions> options, ILogger<RabbitMqSubscriber> logger)
    : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private volatile bool _consuming;

    private bool Enabled => options.Value.Mode == SubscriberOptions.Modes.RabbitMq;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
            return; // Dapr mode: the sidecar consumes and calls the HTTP routes.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ConsumeUntilDisconnectedAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogConnectionFailed(ex, ReconnectDelay);
            }
            _consuming = false;
            try
            {
                await Task.Delay(ReconnectDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task ConsumeUntilDisconnectedAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var factory = new ConnectionFactory
        {
            Uri = new Uri(settings.RabbitMqConnectionString
                ?? throw new InvalidOperationException("AlertSubscriber:RabbitMqConnectionString is required in RabbitMq mode.")),
            ClientProvidedName = settings.AppId,
            AutomaticRecoveryEnabled = false,
        };
        await using var connection = await factory.CreateConnectionAsync(ct);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, _) =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: settings.PrefetchCount, global: false, ct);
        foreach (var (topic, _) in Subscriptions.All)
        {
            var queue = $"{settings.AppId}-{topic}";
            // Exactly the exchange the platform declares (fanout, durable, not auto-delete); other arguments are
            // refused with PRECONDITION_FAILED. Declaring it here too means the queue can be bound before the first publish.
            await channel.ExchangeDeclareAsync(topic, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
            // Durable and never auto-deleted: it survives broker restarts and this service being away. (On a cluster,
            // add arguments: {"x-queue-type": "quorum"}; a queue's type cannot change once declared.)
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
            await channel.QueueBindAsync(queue, topic, routingKey: "", cancellationToken: ct);

            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(channel, topic, delivery, ct);
            await channel.BasicConsumeAsync(queue, autoAck: false, consumer, ct);
            LogConsuming(queue, topic);
        }

        _consuming = true;
        await closed.Task.WaitAsync(ct);
        LogDisconnected();
    }

    private async Task OnDeliveryAsync(IChannel channel, string topic, BasicDeliverEventArgs delivery, CancellationToken ct)
    {
        switch (await inbox.ProcessAsync(topic, delivery.Body, "rabbitmq", ct))
        {
            case Outcome.Success or Outcome.Duplicate:
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, ct);
                break;
            case Outcome.Drop:
                // Rejected, not requeued: gone, or to a dead-letter queue if a policy gives this queue one.
                await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: false, ct);
                break;
            case Outcome.Retry:
                // Back on the queue after a pause, so a failing dependency is not hammered in a tight loop.
                await Task.Delay(RetryDelay, ct);
                await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, ct);
                break;
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(!Enabled ? HealthCheckResult.Healthy("Dapr mode: deliveries come over HTTP")
            : _consuming
            ? HealthCheckResult.Healthy("consuming from RabbitMQ")
            : HealthCheckResult.Unhealthy("not connected to RabbitMQ"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming queue {Queue}, bound to exchange {Topic}")]
    private partial void LogConsuming(string queue, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the RabbitMQ connection: reconnecting")]
    private partial void LogDisconnected();

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ subscription failed; trying again in {Delay}")]
    private partial void LogConnectionFailed(Exception exception, TimeSpan delay);
}
