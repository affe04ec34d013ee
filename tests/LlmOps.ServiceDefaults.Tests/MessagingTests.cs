using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.ServiceDefaults.Tests;

public sealed record SamplePinged(Guid Id);

public sealed class SamplePingedConsumer(ConcurrentBag<Guid> seen) : IConsumer<SamplePinged>
{
    public Task Consume(ConsumeContext<SamplePinged> context)
    {
        seen.Add(context.Message.Id);
        return Task.CompletedTask;
    }
}

public class MessagingTests
{
    [Fact]
    public void Queue_names_carry_the_owning_service_prefix_in_kebab_case()
    {
        Assert.Equal("trace-collector-sample-pinged", QueueNames.For<SamplePingedConsumer>("trace-collector"));
    }

    [Fact]
    public async Task A_consumer_a_service_module_registers_after_the_defaults_receives_published_messages()
    {
        var seen = new ConcurrentBag<Guid>();
        await using var host = await DefaultsHost.StartAsync(configure: builder =>
        {
            builder.Services.AddSingleton(seen);
            builder.AddServiceConsumer<SamplePingedConsumer>("sample-service");
        });
        var id = Guid.NewGuid();

        await host.Services.GetRequiredService<BoundedPublisher>().PublishAsync(new SamplePinged(id), CancellationToken.None);

        await Eventually.TrueAsync(() => Task.FromResult(seen.Contains(id)), TimeSpan.FromSeconds(10), "the consumer to see the message");
    }

    [Fact]
    public void Adding_a_consumer_before_the_defaults_is_a_clear_error()
    {
        var builder = WebApplication.CreateBuilder();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddServiceConsumer<SamplePingedConsumer>("x"));

        Assert.Contains("AddServiceDefaults", error.Message);
    }

    [Fact]
    public async Task An_unknown_transport_is_refused_at_start()
    {
        var failure = await Record.ExceptionAsync(() => DefaultsHost.StartAsync(new Dictionary<string, string?> { ["Messaging:Transport"] = "Kafka" }));

        Assert.NotNull(failure);
        Assert.Contains("Transport", failure.ToString());
    }

    [Fact]
    public async Task With_the_broker_unreachable_the_host_serves_is_not_ready_and_publishes_time_out()
    {
        await using var host = await DefaultsHost.StartAsync(new Dictionary<string, string?>
        {
            ["Messaging:Transport"] = "RabbitMq",
            ["Messaging:RabbitMq:Host"] = "127.0.0.1",
            ["Messaging:RabbitMq:Port"] = "1",
            ["Messaging:PublishTimeout"] = "00:00:00.500",
        });
        using var client = host.CreateClient(bearerKey: null);
        var publisher = host.Services.GetRequiredService<BoundedPublisher>();

        var publish = Record.ExceptionAsync(() => publisher.PublishAsync(new SamplePinged(Guid.NewGuid()), CancellationToken.None)).AsTask();
        var finished = await Task.WhenAny(publish, Task.Delay(TimeSpan.FromSeconds(20)));

        Assert.Same(publish, finished);
        Assert.IsType<TimeoutException>(await publish);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var checks = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["checks"]!.AsArray();
        Assert.Contains(checks, c => c!["name"]!.GetValue<string>() == "bus" && c["status"]!.GetValue<string>() == "Unhealthy");
    }
}
