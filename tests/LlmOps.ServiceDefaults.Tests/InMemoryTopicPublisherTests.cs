using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Tests;

/// <summary>Topics in embedded mode: no broker, the recent events kept in memory for the platform to show.</summary>
public class InMemoryTopicPublisherTests
{
    private static CloudEvent Event(string id) => new() { Id = id, Source = "/llmops/test", Type = "io.llmops.test.happened" };

    [Fact]
    public async Task Each_topic_keeps_its_last_events_oldest_first_and_forgets_older_ones()
    {
        var publisher = new InMemoryTopicPublisher(capacity: 3);

        for (var i = 1; i <= 5; i++)
            await publisher.PublishAsync(Topics.Alerts, Event($"a{i}"), CancellationToken.None);
        await publisher.PublishAsync(Topics.Actions, Event("b1"), CancellationToken.None);

        Assert.Equal(["a3", "a4", "a5"], publisher.Recent(Topics.Alerts).Select(e => e.Id));
        Assert.Equal(["b1"], publisher.Recent(Topics.Actions).Select(e => e.Id));
        Assert.Empty(publisher.Recent("llmops.nothing-here"));
        Assert.Equal([Topics.Actions, Topics.Alerts], publisher.TopicNames);
    }

    [Fact]
    public void The_default_capacity_is_a_thousand_events_per_topic()
    {
        Assert.Equal(1_000, new InMemoryTopicPublisher().Capacity);
    }

    [Fact]
    public async Task Concurrent_publishers_lose_nothing_below_the_capacity()
    {
        var publisher = new InMemoryTopicPublisher(capacity: 1_000);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
                await publisher.PublishAsync(Topics.Alerts, Event($"{worker}-{i}"), CancellationToken.None);
        })));

        Assert.Equal(800, publisher.Recent(Topics.Alerts).Select(e => e.Id).Distinct().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("amq.fanout")]
    public async Task A_topic_that_cannot_be_an_exchange_name_is_refused(string topic)
    {
        var publisher = new InMemoryTopicPublisher();

        await Assert.ThrowsAsync<ArgumentException>(() => publisher.PublishAsync(topic, Event("x"), CancellationToken.None));
    }

    [Fact]
    public async Task An_event_without_its_required_attributes_is_refused_and_not_kept()
    {
        var publisher = new InMemoryTopicPublisher();

        await Assert.ThrowsAsync<ArgumentException>(() =>
            publisher.PublishAsync(Topics.Alerts, Event("x") with { Type = "" }, CancellationToken.None));

        Assert.Empty(publisher.Recent(Topics.Alerts));
    }

    [Fact]
    public async Task Publishes_are_counted_per_topic_on_the_llmops_meter()
    {
        var topic = "test.counted-" + Guid.NewGuid().ToString("N")[..8];
        var counted = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LlmOpsTelemetry.Name && instrument.Name.StartsWith("llmops.topics.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "topic" } && (string?)tag.Value == topic)
                    counted.AddOrUpdate(instrument.Name, value, (_, n) => n + value);
        });
        listener.Start();
        var publisher = new InMemoryTopicPublisher();

        await publisher.PublishAsync(topic, Event("1"), CancellationToken.None);
        await publisher.PublishAsync(topic, Event("2"), CancellationToken.None);

        Assert.Equal(2, counted.GetValueOrDefault("llmops.topics.published"));
        Assert.Equal(0, counted.GetValueOrDefault("llmops.topics.failed"));
    }

    [Fact]
    public async Task In_embedded_mode_the_service_defaults_register_the_in_memory_publisher_as_the_topic_publisher()
    {
        await using var host = await DefaultsHost.StartAsync();

        var publisher = host.Services.GetRequiredService<ITopicPublisher>();
        await publisher.PublishAsync(Topics.Alerts, Event("seen"), CancellationToken.None);

        Assert.Same(host.Services.GetRequiredService<InMemoryTopicPublisher>(), publisher);
        Assert.Equal(["seen"], host.Services.GetRequiredService<InMemoryTopicPublisher>().Recent(Topics.Alerts).Select(e => e.Id));
    }

    [Fact]
    public async Task In_distributed_mode_the_service_defaults_register_the_rabbitmq_publisher()
    {
        await using var host = await DefaultsHost.StartAsync(new Dictionary<string, string?>
        {
            ["Messaging:Transport"] = "RabbitMq",
            ["Messaging:RabbitMq:Host"] = "127.0.0.1",
            ["Messaging:RabbitMq:Port"] = "1",
        });

        Assert.IsType<RabbitMqTopicPublisher>(host.Services.GetRequiredService<ITopicPublisher>());
        Assert.Null(host.Services.GetService<InMemoryTopicPublisher>());
    }

    [Fact]
    public void On_a_host_without_the_service_defaults_the_registration_binds_the_messaging_options_itself()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Messaging:Transport"] = "RabbitMq",
            ["Messaging:RabbitMq:VirtualHost"] = "alerts-only",
            ["Messaging:RetryIntervalsMs:0"] = "50",
        });

        builder.AddTopicPublisher().AddTopicPublisher();
        using var app = builder.Build();

        Assert.IsType<RabbitMqTopicPublisher>(app.Services.GetRequiredService<ITopicPublisher>());
        var options = app.Services.GetRequiredService<IOptions<MessagingOptions>>().Value;
        Assert.Equal("alerts-only", options.RabbitMq.VirtualHost);
        // Bound once: a second binding would add the configured interval again.
        Assert.Equal([50], options.EffectiveRetryIntervalsMs);
    }
}
