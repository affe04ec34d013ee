using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using System.Net.Http.Json;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy;
using LlmOps.InferenceProxy.Features.Events;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Telemetry;
using LlmOps.Testing;
using LlmOps.TraceCollector;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.IntegrationTests;

/// <summary>Counts every delivery of every InferenceCompleted, so a test can tell "exactly once" from "at least once".</summary>
public sealed class DeliveryCounter
{
    public ConcurrentDictionary<Guid, int> Deliveries { get; } = new();
}

public sealed class DeliveryCountingConsumer(DeliveryCounter counter) : IConsumer<InferenceCompleted>, IConsumer<InferenceCompletedBatch>
{
    public Task Consume(ConsumeContext<InferenceCompleted> context)
    {
        counter.Deliveries.AddOrUpdate(context.Message.InferenceId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<InferenceCompletedBatch> context)
    {
        foreach (var inference in context.Message.Inferences)
            counter.Deliveries.AddOrUpdate(inference.InferenceId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The broker goes away under the gateway (its connection cut by a TCP gate, the broker itself stays up for the other
/// tests): requests keep succeeding at normal speed, their events wait in the on-disk spool, and when the broker is
/// back every one of them arrives, exactly once.
/// </summary>
public class BrokerOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private string _vhost = "";
    private TcpGate _gate = null!;
    private TestHost _simulator = null!;
    private TestHost _collector = null!;
    private TestHost _proxy = null!;
    private Dictionary<string, string?> _proxySettings = [];
    private readonly DeliveryCounter _counter = new();

    public async ValueTask InitializeAsync()
    {
        _vhost = await TestInfrastructure.CreateVirtualHostAsync();
        var database = await TestInfrastructure.CreateDatabaseAsync("outage");
        _gate = new TcpGate(TestInfrastructure.RabbitMqHost, TestInfrastructure.RabbitMqPort);
        _simulator = await SimulatorHost.StartAsync();

        var collectorSettings = TestInfrastructure.RabbitMqSettings(_vhost);
        foreach (var (key, value) in TestInfrastructure.PostgresSettings(database))
            collectorSettings[key] = value;
        _collector = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(TraceCollectorExtensions.ServiceName);
                builder.AddTraceCollector();
                builder.Services.AddSingleton(_counter);
                builder.AddServiceConsumer<DeliveryCountingConsumer>("delivery-counter");
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapTraceCollectorEndpoints();
            },
            collectorSettings);

        var proxySettings = TestInfrastructure.RabbitMqSettings(_vhost);
        proxySettings["Messaging:RabbitMq:Port"] = _gate.Port.ToString();
        proxySettings["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N"));
        proxySettings["InferenceProxy:PublishTimeout"] = "00:00:01";
        proxySettings["InferenceProxy:Budgets:Enabled"] = "false"; // no cost-accountant in this test
        _proxySettings = proxySettings;
        _proxy = await StartProxyAsync();

        foreach (var host in new[] { _collector, _proxy })
        {
            using var probe = host.CreateClient(bearerKey: null);
            await Eventually.TrueAsync(async () => (await probe.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "readiness");
        }
    }

    private Task<TestHost> StartProxyAsync() => GatewayHost.StartAsync(_proxySettings, _simulator);

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _collector.DisposeAsync();
        await _simulator.DisposeAsync();
        await _gate.DisposeAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(_vhost);
    }

    private async Task<(string TraceId, TimeSpan Took)> ChatAsync(HttpClient client, int n)
    {
        var clock = Stopwatch.StartNew();
        var response = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "sim-small", messages = new[] { new { role = "user", content = $"request {n} during the outage" } } });
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsStringAsync();
        return (response.Headers.GetValues("x-llmops-trace-id").Single(), clock.Elapsed);
    }

    [Fact]
    public async Task With_the_broker_cut_off_requests_succeed_at_normal_speed_and_every_event_arrives_exactly_once_when_it_returns()
    {
        using var client = _proxy.CreateClient();
        using var admin = _collector.CreateClient();
        var (warmTrace, _) = await ChatAsync(client, 0);
        await TraceApi.WaitForTraceAsync(admin, warmTrace, TimeSpan.FromSeconds(30));
        var publisher = _proxy.Services.GetRequiredService<InferenceEventPublisher>();
        var spool = _proxy.Services.GetRequiredService<EventSpool>();

        _gate.Cut();
        var during = new List<(string TraceId, TimeSpan Took)>();
        for (var i = 1; i <= 30; i++)
            during.Add(await ChatAsync(client, i));
        await Eventually.TrueAsync(() => Task.FromResult(spool.PendingEvents == 30), TimeSpan.FromSeconds(30),
            "all 30 events to be spooled to disk");

        Assert.True(publisher.Spooling);
        Assert.All(during, r => Assert.True(r.Took < TimeSpan.FromMilliseconds(750),
            $"a request took {r.Took.TotalMilliseconds:0} ms while the broker was away: the request path must not wait for it"));
        Assert.Single(_counter.Deliveries); // only the warm-up request got through before the cut

        // The first batch after the cut was spooled ahead of its publish, which runs on to PublishTimeout (1 s here):
        // let it end, so "exactly once" below measures the replay rather than a late confirm racing it.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        _gate.Restore();

        foreach (var (traceId, _) in during)
            await TraceApi.WaitForTraceAsync(admin, traceId, TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => Task.FromResult(!publisher.Spooling && spool.IsEmpty), TimeSpan.FromSeconds(30),
            "the spool to drain and direct publishing to resume");
        Assert.Equal(31, _counter.Deliveries.Count);
        Assert.All(_counter.Deliveries, d => Assert.Equal(1, d.Value));

        // And afterwards events go straight out again.
        var (afterTrace, _) = await ChatAsync(client, 99);
        await TraceApi.WaitForTraceAsync(admin, afterTrace, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Answered_requests_events_are_on_disk_SpoolAfter_after_a_broker_cut_long_before_the_publish_deadline()
    {
        // A publish deadline far beyond the check below: the old behaviour (spool only at the deadline) fails this test.
        var spoolAfter = TimeSpan.FromMilliseconds(200);
        var publishTimeout = TimeSpan.FromSeconds(5);
        await _proxy.DisposeAsync();
        _proxySettings["InferenceProxy:PublishTimeout"] = publishTimeout.ToString();
        _proxySettings["InferenceProxy:SpoolAfter"] = spoolAfter.ToString();
        _proxy = await StartProxyAsync();
        using var client = _proxy.CreateClient();
        using var admin = _collector.CreateClient();

        // Healthy confirms, for the record: what SpoolAfter is set against.
        var confirms = new List<double>();
        using (var listener = ListenToConfirmTimes(confirms))
        {
            for (var i = 0; i < 40; i++)
                await TraceApi.WaitForTraceAsync(admin, (await ChatAsync(client, 1000 + i)).TraceId, TimeSpan.FromSeconds(30));
        }
        lock (confirms)
        {
            var sorted = confirms.Order().ToList();
            if (sorted.Count > 0)
                output.WriteLine($"healthy confirms: {sorted.Count} batches, p50 {sorted[sorted.Count / 2]:0.0} ms, max {sorted[^1]:0.0} ms");
        }

        _gate.Cut();
        var cut = Stopwatch.StartNew();
        var answered = new List<string>();
        for (var i = 1; i <= 20; i++)
            answered.Add((await ChatAsync(client, i)).TraceId);
        var lastAnswer = cut.Elapsed;
        await Task.Delay(spoolAfter + TimeSpan.FromMilliseconds(500));
        var onDisk = SpooledTraceIds(_proxySettings["Storage:DataDirectory"]!);
        var checkedAt = cut.Elapsed;
        output.WriteLine($"20 answers within {lastAnswer.TotalMilliseconds:0} ms of the cut; spool files read {checkedAt.TotalMilliseconds:0} ms after it: {answered.Count(onDisk.Contains)} of 20 events on disk");

        Assert.True(checkedAt < publishTimeout, $"the check came {checkedAt.TotalMilliseconds:0} ms after the cut, too late to tell spooling ahead from spooling at the deadline");
        Assert.All(answered, traceId => Assert.Contains(traceId, onDisk));

        // And they all arrive once the broker is back (a late confirm may deliver some twice; consumers dedup by id).
        _gate.Restore();
        foreach (var traceId in answered)
            await TraceApi.WaitForTraceAsync(admin, traceId, TimeSpan.FromSeconds(60));
    }

    private static MeterListener ListenToConfirmTimes(List<double> confirms)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == LlmOpsTelemetry.Name && instrument.Name == "llmops.proxy.events.confirm_time")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (confirms)
                confirms.Add(value);
        });
        listener.Start();
        return listener;
    }

    /// <summary>The trace ids in the gateway's spool files: what a SIGKILL at this moment would leave to replay.</summary>
    private static HashSet<string> SpooledTraceIds(string dataDirectory)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var directory = Path.Combine(dataDirectory, "spool", InferenceProxyExtensions.ServiceName);
        if (!Directory.Exists(directory))
            return ids;
        foreach (var file in Directory.EnumerateFiles(directory, "spool-*.jsonl"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
                if (JsonNode.Parse(line)?["traceId"]?.GetValue<string>() is { } traceId)
                    ids.Add(traceId);
        }
        return ids;
    }

    [Fact]
    public async Task A_gateway_restarted_during_the_outage_replays_what_it_spooled_before_it_stopped()
    {
        using (var client = _proxy.CreateClient())
        {
            var (warm, _) = await ChatAsync(client, 0);
            using var admin = _collector.CreateClient();
            await TraceApi.WaitForTraceAsync(admin, warm, TimeSpan.FromSeconds(30));
        }

        _gate.Cut();
        var traces = new List<string>();
        using (var client = _proxy.CreateClient())
        {
            for (var i = 1; i <= 10; i++)
                traces.Add((await ChatAsync(client, i)).TraceId);
        }
        await _proxy.DisposeAsync();

        _gate.Restore();
        _proxy = await StartProxyAsync();

        using var collector = _collector.CreateClient();
        foreach (var traceId in traces)
            await TraceApi.WaitForTraceAsync(collector, traceId, TimeSpan.FromSeconds(60));
        Assert.Equal(11, _counter.Deliveries.Count);
        Assert.All(_counter.Deliveries, d => Assert.Equal(1, d.Value));
    }
}
