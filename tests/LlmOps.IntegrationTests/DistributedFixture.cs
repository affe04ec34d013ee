using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;
using LlmOps.TraceCollector;

namespace LlmOps.IntegrationTests;

/// <summary>
/// The distributed topology on loopback: the LLM simulator, inference-proxy and trace-collector as separate hosts
/// (real HTTP between them), talking over the test RabbitMQ (a virtual host of their own) with the collector on the
/// test PostgreSQL (a database of its own).
/// </summary>
public sealed class DistributedFixture : IAsyncLifetime
{
    public string VirtualHost { get; private set; } = "";
    public string DatabaseConnectionString { get; private set; } = "";
    public TestHost Simulator { get; private set; } = null!;
    public TestHost Proxy { get; private set; } = null!;
    public TestHost Collector { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        VirtualHost = await TestInfrastructure.CreateVirtualHostAsync();
        DatabaseConnectionString = await TestInfrastructure.CreateDatabaseAsync("e2e");
        Simulator = await SimulatorHost.StartAsync();

        var collectorSettings = TestInfrastructure.RabbitMqSettings(VirtualHost);
        foreach (var (key, value) in TestInfrastructure.PostgresSettings(DatabaseConnectionString))
            collectorSettings[key] = value;
        Collector = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(TraceCollectorExtensions.ServiceName);
                builder.AddTraceCollector();
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapTraceCollectorEndpoints();
            },
            collectorSettings);

        var proxySettings = TestInfrastructure.RabbitMqSettings(VirtualHost);
        // Tests here provoke upstream failures on purpose; the shared deployment's circuit must not open for the others.
        proxySettings["InferenceProxy:Retry:MaxAttempts"] = "1";
        proxySettings["InferenceProxy:CircuitBreaker:MinimumThroughput"] = "10000";
        Proxy = await GatewayHost.StartAsync(proxySettings, Simulator);

        await WaitReadyAsync(Collector);
        await WaitReadyAsync(Proxy);
    }

    private static async Task WaitReadyAsync(TestHost host)
    {
        using var client = host.CreateClient(bearerKey: null);
        await Eventually.TrueAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60), $"{host.BaseAddress} to be ready (bus connected, database migrated)");
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Collector.DisposeAsync();
        await Simulator.DisposeAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(VirtualHost);
    }
}

[CollectionDefinition(Name)]
public sealed class DistributedCollection : ICollectionFixture<DistributedFixture>
{
    public const string Name = "distributed";
}
