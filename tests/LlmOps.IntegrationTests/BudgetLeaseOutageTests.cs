using System.Diagnostics;
using System.Net.Http.Json;
using LlmOps.InferenceProxy;
using LlmOps.InferenceProxy.Features.Events;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.IntegrationTests;

/// <summary>
/// A project's first request during a broker outage: the gateway enforces budgets through leases it asks cost-accountant
/// for over the bus, and with the broker gone no answer can come. Once the bus itself reports the broker down, the
/// request must not sit out the lease timeout (set to 10 s here, so waiting and not waiting cannot be confused): a
/// broker outage must never slow a user's request.
/// </summary>
public class BudgetLeaseOutageTests : IAsyncLifetime
{
    private const int LeaseTimeoutMs = 10_000;
    private string _vhost = "";
    private TcpGate _gate = null!;
    private TestHost _simulator = null!;
    private TestHost _proxy = null!;

    public async ValueTask InitializeAsync()
    {
        _vhost = await TestInfrastructure.CreateVirtualHostAsync();
        _gate = new TcpGate(TestInfrastructure.RabbitMqHost, TestInfrastructure.RabbitMqPort);
        _simulator = await SimulatorHost.StartAsync();
        var settings = TestInfrastructure.RabbitMqSettings(_vhost);
        settings["Messaging:RabbitMq:Port"] = _gate.Port.ToString();
        settings["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N"));
        settings["InferenceProxy:Budgets:Enabled"] = "true";
        settings["InferenceProxy:Budgets:LeaseTimeoutMs"] = LeaseTimeoutMs.ToString();
        settings["InferenceProxy:Budgets:LeaseWaitMs"] = LeaseTimeoutMs.ToString();
        _proxy = await GatewayHost.StartAsync(settings, _simulator);
        using var probe = _proxy.CreateClient(bearerKey: null);
        await Eventually.TrueAsync(async () => (await probe.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "readiness");
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _simulator.DisposeAsync();
        await _gate.DisposeAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(_vhost);
    }

    [Fact]
    public async Task A_projects_first_request_with_the_broker_known_down_does_not_wait_for_a_lease_that_cannot_come()
    {
        var broker = _proxy.Services.GetRequiredService<BrokerHealth>();
        Assert.False(broker.KnownDown);

        _gate.Cut();
        await Eventually.TrueAsync(() => Task.FromResult(broker.KnownDown), TimeSpan.FromSeconds(60), "the bus to report the broker down");

        // The project has never sent a request: no lease, no answer from cost-accountant about it yet.
        using var client = _proxy.CreateClient();
        var clock = Stopwatch.StartNew();
        var response = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = "sim-small", messages = new[] { new { role = "user", content = "the first question of a new project" } } });
        clock.Stop();

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(LeaseTimeoutMs / 2),
            $"the first request took {clock.Elapsed.TotalMilliseconds:0} ms: it waited for a lease the broker could not deliver");
    }
}
