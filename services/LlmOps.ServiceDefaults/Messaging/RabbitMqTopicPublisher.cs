using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace LlmOps.ServiceDefaults.Messaging;

/// <summary>
/// Topics on RabbitMQ, laid out the way Dapr's <c>pubsub.rabbitmq</c> component reads them: one fanout exchange per
/// topic, named exactly like it, durable and never auto-deleted (Dapr with <c>durable: "true"</c>,
/// <c>deletedWhenUnused: "false"</c> declares the same one); each message a persistent CloudEvent whose message id is
/// the event's id. A publish returns only after the broker's confirm, within <c>Messaging:PublishTimeout</c>.
/// </summary>
/// <remarks>
/// Its own connection (MassTransit's is not for raw publishes), opened on the first publish, shared, and opened
/// afresh on the next publish after it broke: no automatic recovery running in the background, so a failed publish is
/// the caller's to retry and a good one never waits for a recovery loop. A channel carries one publish at a time
/// (channels are not for concurrent use); idle ones are kept for the next.
/// </remarks>
public sealed partial class RabbitMqTopicPublisher(
    IOptions<MessagingOptions> options,
    ILogger<RabbitMqTopicPublisher> logger,
    HostIdentity? host = null) : ITopicPublisher, IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private Link? _link;
    private bool _disposed;

    public async Task PublishAsync(string topic, CloudEvent cloudEvent, CancellationToken ct)
    {
        Topics.Validate(topic);
        var body = CloudEventJson.SerializeToUtf8Bytes(cloudEvent);
        var timeout = options.Value.PublishTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);

        Link? link = null;
        try
        {
            // WaitAsync: the deadline holds even where the client does not watch the token (a handshake with a broker
            // that accepted the connection and went silent). What is left behind ends on the client's own timeouts.
            link = await LinkAsync(deadline.Token).WaitAsync(deadline.Token);
            await link.PublishAsync(topic, cloudEvent, body, deadline.Token).WaitAsync(deadline.Token);
            TopicMetrics.RecordPublished(topic);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            TopicMetrics.RecordFailed(topic, "timeout");
            LogTimeout(topic, cloudEvent.Id, timeout);
            // A connection that let a confirm go unanswered is not trusted with the next publish.
            if (link is not null)
                await DropAsync(link);
            throw new TimeoutException($"The broker did not confirm CloudEvent {cloudEvent.Id} on topic '{topic}' within {timeout}.");
        }
        catch (OperationCanceledException)
        {
            TopicMetrics.RecordFailed(topic, "cancelled");
            throw;
        }
        catch (PublishException ex)
        {
            TopicMetrics.RecordFailed(topic, "nack");
            LogNack(ex, topic, cloudEvent.Id);
            throw;
        }
        catch (Exception ex)
        {
            TopicMetrics.RecordFailed(topic, "error");
            LogFailed(ex, topic, cloudEvent.Id);
            // Declare the exchange again next time (it may have been deleted under us), on a new connection if this
            // one is gone.
            link?.Forget(topic);
            if (link is { IsOpen: false })
                await DropAsync(link);
            throw;
        }
    }

    private async Task<Link> LinkAsync(CancellationToken ct)
    {
        var link = Volatile.Read(ref _link);
        if (link is { IsOpen: true })
            return link;

        await _connecting.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            link = _link;
            if (link is { IsOpen: true })
                return link;
            if (link is not null)
            {
                _link = null;
                await link.DisposeAsync();
            }
            var connection = await ConnectionFactory().CreateConnectionAsync(ClientName, ct);
            link = new Link(connection);
            Volatile.Write(ref _link, link);
            LogConnected(options.Value.RabbitMq.Host, options.Value.RabbitMq.Port, options.Value.RabbitMq.VirtualHost);
            return link;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async ValueTask DropAsync(Link link)
    {
        if (Interlocked.CompareExchange(ref _link, null, link) == link)
            await link.DisposeAsync();
    }

    private string ClientName => $"{host?.Name ?? "llmops"}-topics";

    private ConnectionFactory ConnectionFactory()
    {
        var rabbit = options.Value.RabbitMq;
        var timeout = options.Value.PublishTimeout;
        return new ConnectionFactory
        {
            HostName = rabbit.Host,
            Port = rabbit.Port,
            VirtualHost = rabbit.VirtualHost,
            UserName = rabbit.Username,
            Password = rabbit.Password,
            RequestedHeartbeat = rabbit.Heartbeat,
            // Reconnecting is done on the next publish (see LinkAsync), so a caller gets an answer instead of a wait.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedConnectionTimeout = timeout,
            HandshakeContinuationTimeout = timeout,
            ContinuationTimeout = timeout,
            Ssl = rabbit.UseTls ? new SslOption { Enabled = true, ServerName = rabbit.Host } : new SslOption(),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _connecting.WaitAsync();
        try
        {
            _disposed = true;
            var link = Interlocked.Exchange(ref _link, null);
            if (link is not null)
                await link.DisposeAsync();
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>One connection, its idle channels, and the exchanges already declared on it.</summary>
    private sealed class Link(IConnection connection) : IAsyncDisposable
    {
        private const int MaxIdleChannels = 16;
        private static readonly CreateChannelOptions ConfirmedChannel =
            new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

        private readonly ConcurrentBag<IChannel> _idle = [];
        private readonly ConcurrentDictionary<string, bool> _declared = new(StringComparer.Ordinal);
        private int _disposed;

        public bool IsOpen => connection.IsOpen && Volatile.Read(ref _disposed) == 0;

        public async Task PublishAsync(string topic, CloudEvent cloudEvent, ReadOnlyMemory<byte> body, CancellationToken ct)
        {
            var channel = await RentAsync(ct);
            var confirmed = false;
            try
            {
                if (!_declared.ContainsKey(topic))
                {
                    await channel.ExchangeDeclareAsync(topic, ExchangeType.Fanout, durable: true, autoDelete: false,
                        arguments: null, cancellationToken: ct);
                    _declared[topic] = true;
                }
                var properties = new BasicProperties
                {
                    ContentType = CloudEventJson.ContentType,
                    DeliveryMode = DeliveryModes.Persistent,
                    MessageId = cloudEvent.Id,
                    Type = cloudEvent.Type,
                };
                if (cloudEvent.Time is { } time)
                    properties.Timestamp = new AmqpTimestamp(time.ToUnixTimeSeconds());
                // Not mandatory: a topic nobody subscribes to yet drops its events, as any fanout does.
                await channel.BasicPublishAsync(topic, routingKey: "", mandatory: false, properties, body, ct);
                confirmed = true;
            }
            finally
            {
                if (confirmed && channel.IsOpen && _idle.Count < MaxIdleChannels && Volatile.Read(ref _disposed) == 0)
                    _idle.Add(channel);
                else
                    await DiscardAsync(channel);
            }
        }

        public void Forget(string topic) => _declared.TryRemove(topic, out _);

        private async Task<IChannel> RentAsync(CancellationToken ct)
        {
            while (_idle.TryTake(out var channel))
            {
                if (channel.IsOpen)
                    return channel;
                await DiscardAsync(channel);
            }
            return await connection.CreateChannelAsync(ConfirmedChannel, ct);
        }

        /// <summary>Closing a channel that failed may fail too; that must not hide why the publish failed.</summary>
        private static async ValueTask DiscardAsync(IChannel channel)
        {
            try
            {
                await channel.DisposeAsync();
            }
            catch (Exception)
            {
                // The channel is unusable either way, and closing its connection releases it on the broker.
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
                return;
            // Closing the connection closes its channels; abort: a dead peer must not hold this up.
            await connection.CloseAsync(Constants.ReplySuccess, "topic publisher closing", TimeSpan.FromSeconds(2), abort: true);
            await connection.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic publisher connected to RabbitMQ {Host}:{Port}, virtual host {VirtualHost}")]
    private partial void LogConnected(string host, int port, string virtualHost);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CloudEvent {EventId} on topic {Topic} not confirmed within {Timeout}")]
    private partial void LogTimeout(string topic, string eventId, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker refused (nack) CloudEvent {EventId} on topic {Topic}")]
    private partial void LogNack(Exception exception, string topic, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing CloudEvent {EventId} on topic {Topic} failed")]
    private partial void LogFailed(Exception exception, string topic, string eventId);
}
