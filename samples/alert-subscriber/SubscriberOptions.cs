using System.ComponentModel.DataAnnotations;

namespace LlmOps.Samples.AlertSubscriber;

/// <summary>The sample's settings, section <c>AlertSubscriber</c> (environment: <c>AlertSubscriber__Mode=RabbitMq</c>).</summary>
public sealed class SubscriberOptions
{
    public const string Section = "AlertSubscriber";

    /// <summary>
    /// <see cref="Modes.Dapr"/>: a Dapr sidecar delivers events to the HTTP routes. <see cref="Modes.RabbitMq"/>: no Dapr,
    /// the service binds its own queues to the topic exchanges and consumes them.
    /// </summary>
    [Required, AllowedValues(Modes.Dapr, Modes.RabbitMq)]
    public string Mode { get; set; } = Modes.Dapr;

    /// <summary>Names this subscriber's queues, <c>{AppId}-{topic}</c>: in Dapr mode set it to the Dapr app id (or the component's <c>consumerID</c>).</summary>
    [Required, RegularExpression("^[a-z0-9][a-z0-9-]{0,62}$")]
    public string AppId { get; set; } = "alert-subscriber";

    /// <summary>The Dapr pub/sub component to subscribe through (deploy/dapr/pubsub-rabbitmq.yaml).</summary>
    [Required]
    public string PubSubName { get; set; } = "llmops-pubsub";

    /// <summary>
    /// Answer <c>GET /dapr/subscribe</c> with the subscriptions. Turn off when the <c>Subscription</c> resources in
    /// deploy/dapr are applied instead: one app should declare a topic one way only.
    /// </summary>
    public bool ProgrammaticSubscriptions { get; set; } = true;

    /// <summary>RabbitMq mode: <c>amqp://user:password@host:5672/vhost</c>. A secret: from the environment only.</summary>
    public string? RabbitMqConnectionString { get; set; }

    /// <summary>RabbitMq mode: deliveries in flight at once, per queue.</summary>
    [Range(1, 1000)]
    public ushort PrefetchCount { get; set; } = 10;

    /// <summary>A bigger event is dropped unread: alerts and actions are small, a huge body is a mistake or an attack.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxEventBytes { get; set; } = 256 * 1024;

    /// <summary>How many <c>source</c> + <c>id</c> pairs are remembered for deduplication (oldest forgotten first).</summary>
    [Range(1, 10_000_000)]
    public int DedupCapacity { get; set; } = 10_000;

    /// <summary>How many events <c>GET /received</c> shows.</summary>
    [Range(1, 10_000)]
    public int RecentCapacity { get; set; } = 100;

    public static class Modes
    {
        public const string Dapr = "Dapr";
        public const string RabbitMq = "RabbitMq";
    }
}
