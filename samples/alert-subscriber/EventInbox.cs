using Microsoft.Extensions.Options;

namespace LlmOps.Samples.AlertSubscriber;

/// <summary>What became of one delivery; each way in (Dapr, RabbitMQ) turns it into its own answer.</summary>
public enum Outcome
{
    /// <summary>Handled: Dapr <c>SUCCESS</c>, RabbitMQ ack.</summary>
    Success,

    /// <summary>A copy of an event already handled: acknowledged like a success, not handled again.</summary>
    Duplicate,

    /// <summary>Not a usable CloudEvent: no retry can fix it. Dapr <c>DROP</c>, RabbitMQ reject (dead-lettered if the queue has a DLX).</summary>
    Drop,

    /// <summary>The handler failed, perhaps for a moment: Dapr <c>RETRY</c>, RabbitMQ requeue.</summary>
    Retry,
}

/// <summary>
/// One path for every delivery, whichever way it came: check the CloudEvent, drop copies, call the handler, remember
/// the event for <c>GET /received</c>.
/// </summary>
public sealed partial class EventInbox(IEventHandler handler, IOptions<SubscriberOptions> settings, TimeProvider clock, ILogger<EventInbox> logger)
{
    private readonly SubscriberOptions options = settings.Value;
    private readonly SeenEvents _seen = new(settings.Value.DedupCapacity);
    private readonly Queue<ReceivedEvent> _recent = new();
    private readonly Lock _lock = new();
    private long _handled, _duplicates, _dropped, _retried, _unknown;

    public async Task<Outcome> ProcessAsync(string topic, ReadOnlyMemory<byte> body, string via, CancellationToken ct)
    {
        if (body.Length > options.MaxEventBytes)
            return Drop(topic, via, $"body of {body.Length} bytes is over the {options.MaxEventBytes} byte limit");
        var (cloudEvent, error) = CloudEventReader.Read(body.Span);
        if (cloudEvent is not { } json)
            return Drop(topic, via, error!);

        var type = CloudEventReader.Text(json, "type")!;
        var received = new ReceivedEvent(
            Id: CloudEventReader.Text(json, "id")!,
            Source: CloudEventReader.Text(json, "source")!,
            Type: type,
            Subject: CloudEventReader.Text(json, "subject"),
            Topic: topic,
            Known: Subscriptions.IsKnown(topic, type),
            Via: via,
            ReceivedAt: clock.GetUtcNow(),
            CloudEvent: json);

        if (!_seen.TryClaim(received.Source, received.Id))
        {
            Interlocked.Increment(ref _duplicates);
            LogDuplicate(received.Source, received.Id);
            return Outcome.Duplicate;
        }
        if (!received.Known)
        {
            Interlocked.Increment(ref _unknown);
            LogUnknownType(received.Type, topic, received.Id);
        }
        try
        {
            await handler.HandleAsync(received, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _seen.Release(received.Source, received.Id);
            Interlocked.Increment(ref _retried);
            LogHandlerFailed(ex, received.Type, received.Id);
            return Outcome.Retry;
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the broker (or Dapr) delivers it again to whoever runs next.
            _seen.Release(received.Source, received.Id);
            throw;
        }

        Interlocked.Increment(ref _handled);
        lock (_lock)
        {
            _recent.Enqueue(received);
            while (_recent.Count > options.RecentCapacity)
                _recent.Dequeue();
        }
        return Outcome.Success;
    }

    /// <summary>For <c>GET /received</c>: counts and the latest events, newest last.</summary>
    public object Snapshot()
    {
        ReceivedEvent[] events;
        lock (_lock)
            events = [.. _recent];
        return new
        {
            handled = Interlocked.Read(ref _handled),
            duplicates = Interlocked.Read(ref _duplicates),
            dropped = Interlocked.Read(ref _dropped),
            retried = Interlocked.Read(ref _retried),
            unknownTypes = Interlocked.Read(ref _unknown),
            events,
        };
    }

    private Outcome Drop(string topic, string via, string reason)
    {
        Interlocked.Increment(ref _dropped);
        LogDropped(topic, via, reason);
        return Outcome.Drop;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a delivery on {Topic} via {Via}: {Reason}")]
    private partial void LogDropped(string topic, string via, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Already handled event {EventId} from {Source}: acknowledged, not handled again")]
    private partial void LogDuplicate(string source, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unknown event type {Type} on {Topic} (event {EventId}): accepted, flagged")]
    private partial void LogUnknownType(string type, string topic, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling {Type} event {EventId} failed: asking for redelivery")]
    private partial void LogHandlerFailed(Exception exception, string type, string eventId);
}
