using System.Text.Json;
using LlmOps.Testing;
using RabbitMQ.Client;

namespace LlmOps.SystemTests.Scenarios;

/// <summary>
/// A customer's own service listening to <c>llmops.alerts</c> without Dapr or MassTransit: a durable queue bound to the
/// topic's fanout exchange, the way Dapr's <c>pubsub.rabbitmq</c> binds one (docs/topics.md). Keeps every delivery with
/// the AMQP properties a subscriber relies on.
/// </summary>
public sealed class AlertTopicSubscriber : IAsyncDisposable
{
    public const string Exchange = "llmops.alerts";

    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;
    private readonly List<Delivery> _received = [];

    public sealed record Delivery(string? ContentType, DeliveryModes DeliveryMode, JsonElement Event);

    private AlertTopicSubscriber(IConnection connection, IChannel channel, string queue)
    {
        _connection = connection;
        _channel = channel;
        _queue = queue;
    }

    public static async Task<AlertTopicSubscriber> BindAsync(string virtualHost, string appId)
    {
        var connection = await new ConnectionFactory
        {
            HostName = TestInfrastructure.RabbitMqHost, Port = TestInfrastructure.RabbitMqPort, VirtualHost = virtualHost, UserName = "guest", Password = "guest",
        }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var queue = $"{appId}-{Exchange}";
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, Exchange, routingKey: "");
        return new AlertTopicSubscriber(connection, channel, queue);
    }

    /// <summary>Takes what is waiting, and returns every delivery received so far.</summary>
    public async Task<IReadOnlyList<Delivery>> ReceivedAsync()
    {
        while (await _channel.BasicGetAsync(_queue, autoAck: true) is { } message)
        {
            _received.Add(new Delivery(message.BasicProperties.ContentType, message.BasicProperties.DeliveryMode,
                JsonDocument.Parse(message.Body).RootElement.Clone()));
        }
        return _received.ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
