using System.Collections.Concurrent;

namespace LlmOps.ServiceDefaults.Messaging;

/// <summary>
/// Topics in embedded mode, where there is no broker: the last <see cref="Capacity"/> events of each topic, kept in
/// memory so the platform can still show them. Nothing outside the process can subscribe, and a restart forgets them:
/// outside subscribers need the distributed mode (<c>Messaging:Transport=RabbitMq</c>).
/// </summary>
public sealed class InMemoryTopicPublisher(int capacity = InMemoryTopicPublisher.DefaultCapacity) : ITopicPublisher
{
    public const int DefaultCapacity = 1_000;

    private readonly ConcurrentDictionary<string, Queue<CloudEvent>> _topics = new(StringComparer.Ordinal);

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public Task PublishAsync(string topic, CloudEvent cloudEvent, CancellationToken ct)
    {
        Topics.Validate(topic);
        CloudEventJson.Validate(cloudEvent);
        ct.ThrowIfCancellationRequested();

        var events = _topics.GetOrAdd(topic, _ => new Queue<CloudEvent>());
        lock (events)
        {
            if (events.Count == Capacity)
                events.Dequeue();
            events.Enqueue(cloudEvent);
        }
        TopicMetrics.RecordPublished(topic);
        return Task.CompletedTask;
    }

    /// <summary>The topic's kept events, oldest first (a copy); empty for a topic nothing was published on.</summary>
    public IReadOnlyList<CloudEvent> Recent(string topic)
    {
        if (!_topics.TryGetValue(topic, out var events))
            return [];
        lock (events)
            return events.ToArray();
    }

    /// <summary>The topics that have had at least one event.</summary>
    public IReadOnlyCollection<string> TopicNames => _topics.Keys.Order(StringComparer.Ordinal).ToArray();
}
