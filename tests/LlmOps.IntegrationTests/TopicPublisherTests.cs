using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LlmOps.Contracts.Actions;
using LlmOps.Contracts.Alerting;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Telemetry;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace LlmOps.IntegrationTests;

/// <summary>
/// The CloudEvent topics on the real broker, read the way an outside subscriber reads them: a queue named as Dapr's
/// <c>pubsub.rabbitmq</c> names it (<c>{consumerID}-{topic}</c>) bound to the topic's exchange with the plain client.
/// And a broker that is gone: a publish throws within the timeout, never hangs and never reports success.
/// </summary>
public class TopicPublisherTests : IAsyncLifetime
{
    private string _vhost = "";

    public async ValueTask InitializeAsync() => _vhost = await TestInfrastructure.CreateVirtualHostAsync();

    public async ValueTask DisposeAsync() => await TestInfrastructure.DeleteVirtualHostAsync(_vhost);

    private static AlertFired SampleAlert() => new()
    {
        Fingerprint = "fp-" + Guid.NewGuid().ToString("N")[..8],
        RuleName = "high-error-rate",
        Severity = "critical",
        ProjectId = "project-t",
        Value = 0.3,
        Threshold = 0.1,
        StartsAt = DateTimeOffset.UtcNow.AddMinutes(-5),
        FiredAt = DateTimeOffset.UtcNow,
    };

    private static RetrievalImprovementRequested SampleAction() => new()
    {
        ActionId = Guid.NewGuid(),
        ProjectId = "project-t",
        Metric = "context_relevance",
        Reason = "relevant context retrieved for too few questions",
        Evidence = new ActionEvidence { Metric = "context_relevance", SampleSize = 40, FailureCount = 12, Rate = 0.3 },
        RequestedAt = DateTimeOffset.UtcNow,
    };

    private Task<TestHost> StartServiceAsync() => TestHost.StartAsync(
        builder => builder.AddServiceDefaults("topics-test"),
        app => app.MapDefaultEndpoints(),
        TestInfrastructure.RabbitMqSettings(_vhost));

    private RabbitMqTopicPublisher Publisher(int port, TimeSpan timeout, string? vhost = null) => new(
        Options.Create(new MessagingOptions
        {
            Transport = MessagingOptions.Transports.RabbitMq,
            PublishTimeout = timeout,
            RabbitMq = new RabbitMqOptions { Host = TestInfrastructure.RabbitMqHost, Port = port, VirtualHost = vhost ?? _vhost },
        }),
        NullLogger<RabbitMqTopicPublisher>.Instance);

    private Task<IConnection> SubscriberConnectionAsync() => new ConnectionFactory
    {
        HostName = TestInfrastructure.RabbitMqHost,
        Port = TestInfrastructure.RabbitMqPort,
        VirtualHost = _vhost,
        UserName = "guest",
        Password = "guest",
    }.CreateConnectionAsync();

    /// <summary>What Dapr's component does for an app with <c>consumerID</c> on a topic (durable, not deleted when unused).</summary>
    private static async Task<string> SubscribeLikeDaprAsync(IChannel channel, string consumerId, string topic)
    {
        var queue = $"{consumerId}-{topic}";
        // Succeeds only if the exchange the publisher declared is exactly this one (else PRECONDITION_FAILED).
        await channel.ExchangeDeclareAsync(topic, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, topic, routingKey: "");
        return queue;
    }

    private static async Task<BasicGetResult> GetAsync(IChannel channel, string queue)
    {
        BasicGetResult? result = null;
        await Eventually.TrueAsync(async () => (result = await channel.BasicGetAsync(queue, autoAck: true)) is not null,
            TimeSpan.FromSeconds(15), $"a message on {queue}");
        return result!;
    }

    private static async Task<JsonElement> ExchangeAsync(string vhost, string exchange)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://{TestInfrastructure.RabbitMqHost}:{TestInfrastructure.RabbitMqManagementPort}/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        var response = await client.GetAsync($"api/exchanges/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(exchange)}");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task An_alert_reaches_a_queue_bound_as_dapr_binds_it_as_a_persistent_cloudevent()
    {
        await using var service = await StartServiceAsync();
        var publisher = service.Services.GetRequiredService<ITopicPublisher>();
        Assert.IsType<RabbitMqTopicPublisher>(publisher);

        // Nobody subscribed yet: the exchange is created, the event goes nowhere (a fanout keeps nothing by itself).
        await publisher.PublishAsync(Topics.Alerts, CloudEvent.Create("/llmops/alerting", SampleAlert()), CancellationToken.None);
        var exchange = await ExchangeAsync(_vhost, Topics.Alerts);
        Assert.Equal("fanout", exchange.GetProperty("type").GetString());
        Assert.True(exchange.GetProperty("durable").GetBoolean());
        Assert.False(exchange.GetProperty("auto_delete").GetBoolean());

        await using var connection = await SubscriberConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await SubscribeLikeDaprAsync(channel, "pager-bridge", Topics.Alerts);
        Assert.Equal("pager-bridge-llmops.alerts", queue);

        var alert = SampleAlert();
        var sent = CloudEvent.Create("/llmops/alerting", alert, subject: alert.ProjectId, id: $"{alert.Fingerprint}-fired");
        await publisher.PublishAsync(Topics.Alerts, sent, CancellationToken.None);

        var delivered = await GetAsync(channel, queue);
        Assert.Equal(0u, delivered.MessageCount);
        Assert.Equal(Topics.Alerts, delivered.Exchange);
        Assert.Equal(DeliveryModes.Persistent, delivered.BasicProperties.DeliveryMode);
        Assert.Equal("application/cloudevents+json", delivered.BasicProperties.ContentType);
        Assert.Equal(sent.Id, delivered.BasicProperties.MessageId);

        using var raw = JsonDocument.Parse(delivered.Body);
        Assert.Equal("1.0", raw.RootElement.GetProperty("specversion").GetString());
        Assert.Equal(JsonValueKind.Object, raw.RootElement.GetProperty("data").ValueKind);
        var received = CloudEventJson.Deserialize(delivered.Body.Span);
        Assert.Equal(sent.Id, received.Id);
        Assert.Equal("/llmops/alerting", received.Source);
        Assert.Equal("io.llmops.alert.fired", received.Type);
        Assert.Equal(alert.ProjectId, received.Subject);
        Assert.True(JsonElement.DeepEquals(sent.Data!.Value, received.Data!.Value));
        Assert.Equal(alert.Fingerprint, received.Data!.Value.GetProperty("fingerprint").GetString());
    }

    [Fact]
    public async Task Concurrent_publishes_are_each_confirmed_and_each_delivered_once()
    {
        await using var connection = await SubscriberConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await SubscribeLikeDaprAsync(channel, "optimizer", Topics.Actions);
        await using var publisher = Publisher(TestInfrastructure.RabbitMqPort, TimeSpan.FromSeconds(10));

        var sent = Enumerable.Range(0, 200).Select(_ => CloudEvent.Create("/llmops/evaluator", SampleAction())).ToList();
        await Task.WhenAll(sent.Select(e => Task.Run(() => publisher.PublishAsync(Topics.Actions, e, CancellationToken.None))));

        var received = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
            {
                var cloudEvent = CloudEventJson.Deserialize(message.Body.Span);
                Assert.Equal("io.llmops.action.retrieval_improvement_requested", cloudEvent.Type);
                received.Add(cloudEvent.Id);
            }
            return received.Count >= sent.Count;
        }, TimeSpan.FromSeconds(20), "every action on the subscriber's queue");
        Assert.Equal(sent.Select(e => e.Id).Order(), received.Order());
    }

    [Fact]
    public async Task A_publish_the_broker_refuses_with_a_nack_throws_and_counts_a_failure()
    {
        var topic = "test.full-" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = await SubscriberConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        // A subscriber queue that takes nothing: the broker nacks every publish routed to it.
        await channel.ExchangeDeclareAsync(topic, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync($"full-{topic}", durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-max-length"] = 0, ["x-overflow"] = "reject-publish" });
        await channel.QueueBindAsync($"full-{topic}", topic, routingKey: "");
        var counts = CountTopicMeasurements(topic, out var listener);
        using var _ = listener;
        await using var publisher = Publisher(TestInfrastructure.RabbitMqPort, TimeSpan.FromSeconds(5));

        var failure = await Record.ExceptionAsync(() =>
            publisher.PublishAsync(topic, CloudEvent.Create("/llmops/alerting", SampleAlert()), CancellationToken.None));

        Assert.IsType<RabbitMQ.Client.Exceptions.PublishException>(failure);
        Assert.Equal(1, counts.GetValueOrDefault("llmops.topics.failed"));
        Assert.Equal(0, counts.GetValueOrDefault("llmops.topics.published"));
    }

    [Fact]
    public async Task With_the_broker_refusing_connections_a_publish_throws_promptly_and_counts_a_failure()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var topic = "test.refused-" + Guid.NewGuid().ToString("N")[..8];
        var counts = CountTopicMeasurements(topic, out var listener);
        using var _ = listener;
        await using var publisher = Publisher(port, TimeSpan.FromSeconds(2));

        var watch = Stopwatch.StartNew();
        var failure = await Record.ExceptionAsync(() =>
            publisher.PublishAsync(topic, CloudEvent.Create("/llmops/alerting", SampleAlert()), CancellationToken.None));

        Assert.NotNull(failure);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Equal(1, counts.GetValueOrDefault("llmops.topics.failed"));
        Assert.Equal(0, counts.GetValueOrDefault("llmops.topics.published"));
    }

    [Fact]
    public async Task With_a_broker_that_accepts_and_never_answers_a_publish_times_out_within_the_publish_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new ConcurrentBag<TcpClient>();
        using var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
                held.Add(await silent.AcceptTcpClientAsync(stop.Token));
        });
        await using var publisher = Publisher(((IPEndPoint)silent.LocalEndpoint).Port, TimeSpan.FromSeconds(1));

        var watch = Stopwatch.StartNew();
        var publish = publisher.PublishAsync("test.silent", CloudEvent.Create("/llmops/alerting", SampleAlert()), CancellationToken.None);
        var finished = await Task.WhenAny(publish, Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.Same(publish, finished);
        await Assert.ThrowsAsync<TimeoutException>(() => publish);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        await stop.CancelAsync();
        foreach (var client in held)
            client.Dispose();
    }

    [Fact]
    public async Task After_the_connection_is_cut_a_publish_fails_and_once_the_broker_is_back_the_publisher_reconnects()
    {
        await using var gate = new TcpGate(TestInfrastructure.RabbitMqHost, TestInfrastructure.RabbitMqPort);
        await using var connection = await SubscriberConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await SubscribeLikeDaprAsync(channel, "outage-watch", Topics.Alerts);
        await using var publisher = Publisher(gate.Port, TimeSpan.FromSeconds(2));
        var before = CloudEvent.Create("/llmops/alerting", SampleAlert());
        var during = CloudEvent.Create("/llmops/alerting", SampleAlert());
        var after = CloudEvent.Create("/llmops/alerting", SampleAlert());

        await publisher.PublishAsync(Topics.Alerts, before, CancellationToken.None);
        gate.Cut();
        var watch = Stopwatch.StartNew();
        var failure = await Record.ExceptionAsync(() => publisher.PublishAsync(Topics.Alerts, during, CancellationToken.None));
        Assert.NotNull(failure);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        gate.Restore();
        // The caller's retry, as an alert sender does it.
        await Eventually.TrueAsync(async () =>
            await Record.ExceptionAsync(() => publisher.PublishAsync(Topics.Alerts, after, CancellationToken.None)) is null,
            TimeSpan.FromSeconds(20), "a publish to succeed once the broker is reachable again");

        var received = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
                received.Add(CloudEventJson.Deserialize(message.Body.Span).Id);
            return received.Contains(after.Id);
        }, TimeSpan.FromSeconds(15), "the event published after the reconnect");
        Assert.Equal([before.Id, after.Id], received.Distinct());
    }

    private static ConcurrentDictionary<string, long> CountTopicMeasurements(string topic, out MeterListener listener)
    {
        var counts = new ConcurrentDictionary<string, long>();
        listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == LlmOpsTelemetry.Name && instrument.Name.StartsWith("llmops.topics.", StringComparison.Ordinal))
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "topic" } && (string?)tag.Value == topic)
                    counts.AddOrUpdate(instrument.Name, value, (_, n) => n + value);
        });
        listener.Start();
        return counts;
    }
}
