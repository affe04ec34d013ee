using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Alerting;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace LlmOps.Samples.AlertSubscriber.Tests;

/// <summary>
/// The sample without Dapr, on the test broker: the platform's own <see cref="RabbitMqTopicPublisher"/> publishes, the
/// sample's queue <c>{AppId}-{topic}</c> receives, and the event arrives exactly as published. Each test has its own
/// virtual host. Skipped only where no test broker is configured at all (CI and scripts/test.sh always configure one);
/// a configured broker that is unreachable fails the test.
/// </summary>
public class RabbitMqModeTests : IAsyncLifetime
{
    private const string AppId = "sample-test";
    private string _vhost = "";

    private static bool BrokerConfigured => Environment.GetEnvironmentVariable("LLMOPS_TEST_RABBITMQ_HOST") is { Length: > 0 };

    public async ValueTask InitializeAsync()
    {
        if (BrokerConfigured)
            _vhost = await TestInfrastructure.CreateVirtualHostAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_vhost.Length > 0)
            await TestInfrastructure.DeleteVirtualHostAsync(_vhost);
    }

    private static void RequireBroker()
    {
        if (!BrokerConfigured)
            Assert.Skip("No test RabbitMQ configured (LLMOPS_TEST_RABBITMQ_HOST is unset): run scripts/deps.sh start and eval \"$(scripts/deps.sh env)\", or scripts/test.sh.");
    }

    private string ConnectionString =>
        $"amqp://guest:guest@{TestInfrastructure.RabbitMqHost}:{TestInfrastructure.RabbitMqPort}/{Uri.EscapeDataString(_vhost)}";

    private async Task<SubscriberFactory> StartSubscriberAsync()
    {
        var app = new SubscriberFactory(new Dictionary<string, string?>
        {
            ["AlertSubscriber:Mode"] = "RabbitMq",
            ["AlertSubscriber:AppId"] = AppId,
            ["AlertSubscriber:RabbitMqConnectionString"] = ConnectionString,
        });
        using var client = app.CreateClient();
        // Ready once its queues are declared, bound and consumed.
        await Eventually.TrueAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "the sample consuming from RabbitMQ");
        return app;
    }

    private RabbitMqTopicPublisher Publisher() => new(
        Options.Create(new MessagingOptions
        {
            Transport = MessagingOptions.Transports.RabbitMq,
            PublishTimeout = TimeSpan.FromSeconds(10),
            RabbitMq = new RabbitMqOptions { Host = TestInfrastructure.RabbitMqHost, Port = TestInfrastructure.RabbitMqPort, VirtualHost = _vhost },
        }),
        NullLogger<RabbitMqTopicPublisher>.Instance);

    private static CloudEvent AlertEvent() => CloudEvent.Create(CloudEventSources.For("alerting"), new AlertFired
    {
        Fingerprint = "fp-" + Guid.NewGuid().ToString("N")[..8],
        RuleName = "high-error-rate",
        Severity = "critical",
        ProjectId = "project-t",
        Labels = new Dictionary<string, string> { ["model"] = "gpt-4o-mini" },
        Value = 0.3,
        Threshold = 0.1,
        StartsAt = DateTimeOffset.UtcNow.AddMinutes(-5),
        FiredAt = DateTimeOffset.UtcNow,
    }, subject: "project-t") with { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };

    private static async Task<JsonElement> WaitForAsync(SubscriberFactory app, Func<JsonElement, bool> condition, string what)
    {
        JsonElement last = default;
        await Eventually.TrueAsync(async () => condition(last = await app.ReceivedAsync()), TimeSpan.FromSeconds(15), what);
        return last;
    }

    [Fact]
    public async Task An_alert_the_platform_publishes_reaches_the_sample_queue_with_every_attribute_intact_once()
    {
        RequireBroker();
        await using var app = await StartSubscriberAsync();
        await using var publisher = Publisher();
        var published = AlertEvent();

        await publisher.PublishAsync(Topics.Alerts, published, CancellationToken.None);
        await publisher.PublishAsync(Topics.Alerts, published, CancellationToken.None); // a producer's retry: same id

        var received = await WaitForAsync(app, r => r.GetProperty("handled").GetInt64() + r.GetProperty("duplicates").GetInt64() == 2,
            "both copies of the alert");
        Assert.Equal(1, received.GetProperty("handled").GetInt64());
        Assert.Equal(1, received.GetProperty("duplicates").GetInt64());
        var one = Assert.Single(received.GetProperty("events").EnumerateArray());
        Assert.Equal("rabbitmq", one.GetProperty("via").GetString());
        Assert.Equal(Topics.Alerts, one.GetProperty("topic").GetString());
        Assert.True(one.GetProperty("known").GetBoolean());

        // Byte for byte the event the platform serialized, and read back by the platform's own reader the same.
        var raw = one.GetProperty("cloudEvent").GetRawText();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(CloudEventJson.SerializeToUtf8Bytes(published)), JsonNode.Parse(raw)), raw);
        var back = CloudEventJson.Deserialize(System.Text.Encoding.UTF8.GetBytes(raw));
        Assert.Equal(published with { Data = null }, back with { Data = null });
        Assert.True(JsonElement.DeepEquals(published.Data!.Value, back.Data!.Value));
        Assert.Equal(CloudEventTypes.Of<AlertFired>(), back.Type);
    }

    [Fact]
    public async Task The_queue_is_durable_keeps_events_while_the_sample_is_down_and_a_poison_message_does_not_stop_the_flow()
    {
        RequireBroker();
        var queue = $"{AppId}-{Topics.Alerts}";
        await using (await StartSubscriberAsync())
        {
            // Declared durable, not auto-delete (re-declaring with the same arguments succeeds only if it is).
            await using var connection = await new ConnectionFactory { Uri = new Uri(ConnectionString) }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        }

        // The sample is stopped: a poison message and a good event wait in its queue.
        await using var publisher = Publisher();
        await TestInfrastructure.PublishRawAsync(_vhost, queue, "{ this is not a CloudEvent", CloudEventJson.ContentType);
        var published = AlertEvent();
        await publisher.PublishAsync(Topics.Alerts, published, CancellationToken.None);

        await using var restarted = await StartSubscriberAsync();
        var received = await WaitForAsync(restarted, r => r.GetProperty("handled").GetInt64() == 1 && r.GetProperty("dropped").GetInt64() == 1,
            "the good event handled and the poison one dropped");
        Assert.Equal(published.Id, Assert.Single(received.GetProperty("events").EnumerateArray()).GetProperty("id").GetString());
        // Nothing left behind or requeued in a loop.
        await Eventually.TrueAsync(async () => await TestInfrastructure.QueueDepthAsync(_vhost, queue) == 0,
            TimeSpan.FromSeconds(15), $"{queue} empty");
    }
}
