using System.Diagnostics;
using LlmOps.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Testing;

/// <summary>
/// A benchmark's backlog, to measure a service's own capacity without its publisher on the same cores: the service's bus
/// is stopped, the messages are published from a second host with a bus of its own (its own connection and confirms,
/// nothing consumed), and the service's bus is started again to drain them. The service's bus restarts rather than the
/// service: a second service host would meet MassTransit's static log context of the first.
/// </summary>
public static class Backlog
{
    /// <summary>Stops the service's bus and queues <paramref name="messages"/>, <paramref name="inFlight"/> awaiting confirms together; returns how long publishing took.</summary>
    public static async Task<TimeSpan> QueueAsync<T>(TestHost service, string vhost, IEnumerable<T> messages, int inFlight = 20) where T : class
    {
        await service.Services.GetRequiredService<IBusControl>().StopAsync();
        var settings = TestInfrastructure.RabbitMqSettings(vhost);
        settings["Serilog:MinimumLevel:Default"] = "Error";
        settings["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-bench", "producer-" + Guid.NewGuid().ToString("N")[..8]);
        await using var producer = await TestHost.StartAsync(b => b.AddServiceDefaults("bench-producer"), a => a.MapDefaultEndpoints(), settings);
        using (var probe = producer.CreateClient())
        {
            while (!(await probe.GetAsync("/health/ready")).IsSuccessStatusCode)
                await Task.Delay(100);
        }
        var bus = producer.Services.GetRequiredService<IBus>();
        var clock = Stopwatch.StartNew();
        foreach (var window in messages.Chunk(inFlight))
            await Task.WhenAll(window.Select(message => bus.Publish(message)));
        return clock.Elapsed;
    }

    /// <summary>Starts the service's bus again: it drains the backlog.</summary>
    public static Task DrainAsync(TestHost service) => service.Services.GetRequiredService<IBusControl>().StartAsync();
}
