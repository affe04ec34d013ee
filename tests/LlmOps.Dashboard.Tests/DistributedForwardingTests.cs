using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using LlmOps.Dashboard;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.Testing;
using LlmOps.TraceCollector;
using LlmOps.TraceCollector.Features.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Dashboard.Tests;

/// <summary>
/// Distributed mode: the dashboard as its own host (Kestrel on its own port) forwarding <c>/api</c> to a real
/// trace-collector host, to a port where nothing listens, and to one that accepts but never answers.
/// </summary>
public sealed class DistributedForwardingTests : IAsyncLifetime
{
    private const string KeyOfA = "forwarding-project-a-key-0123456789";
    private const string KeyOfB = "forwarding-project-b-key-0123456789";
    private static readonly DateTime Minute = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    private TestHost _collector = null!;
    private TestHost _dashboard = null!;
    private TcpListener _silent = null!;

    public async ValueTask InitializeAsync()
    {
        _collector = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults("trace-collector");
                builder.AddTraceCollector();
                builder.Services.AddSingleton<IApiKeyResolver>(new TestProjectKeys((KeyOfA, "project-a"), (KeyOfB, "project-b")));
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapTraceCollectorEndpoints();
            },
            new Dictionary<string, string?> { ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")) });
        await SeedAsync();
        using (var warm = _collector.CreateClient())
            (await warm.GetAsync(Stats)).EnsureSuccessStatusCode();

        // Accepts connections and never answers: the forwarder's overall timeout must end the call.
        _silent = new TcpListener(IPAddress.Loopback, 0);
        _silent.Start();
        _dashboard = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(DashboardExtensions.ServiceName);
                builder.AddDashboard();
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapDashboardEndpoints();
            },
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["Dashboard:Services:TraceCollector"] = _collector.BaseAddress.ToString(),
                ["Dashboard:Services:CostAccountant"] = $"http://127.0.0.1:{UnusedPort()}",
                ["Dashboard:Services:Alerting"] = $"http://127.0.0.1:{((IPEndPoint)_silent.LocalEndpoint).Port}",
                // Long enough for a cold collector on a busy machine, short enough for the silent service's test.
                ["Dashboard:ProxyTimeoutSeconds"] = "10",
            });
    }

    private async Task SeedAsync()
    {
        var batch = new TraceWriteBatch();
        foreach (var (project, trace, ms) in new[] { ("project-a", "a-1", 120), ("project-a", "a-2", 480), ("project-b", "b-1", 9_000) })
            batch.Observations.Add(new ObservationWrite
            {
                ProjectId = project, Id = trace + "-span", TraceId = trace, Type = "span", Name = "work", StartTime = Minute.AddSeconds(5),
                EndTime = Minute.AddSeconds(5).AddMilliseconds(ms), Feature = "search",
            });
        await using var scope = _collector.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TraceStore>().WriteAsync(batch, CancellationToken.None);
    }

    private static int UnusedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await _dashboard.DisposeAsync();
        await _collector.DisposeAsync();
        _silent.Stop();
    }

    private const string Stats = "/api/trace-stats?from=2026-03-01T08:00:00Z&to=2026-03-01T10:00:00Z&interval=hour&groupBy=project";

    [Fact]
    public async Task A_project_key_through_the_dashboard_sees_what_the_collector_shows_that_key_and_only_its_project()
    {
        using var throughDashboard = _dashboard.CreateClient(KeyOfA);
        using var direct = _collector.CreateClient(KeyOfA);

        var forwarded = await throughDashboard.GetAsync(Stats);
        var body = await forwarded.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        Assert.Equal(await direct.GetStringAsync(Stats), body);
        var stats = JsonNode.Parse(body)!;
        Assert.Equal(2, Assert.Single(stats["data"]!.AsArray())!["traces"]!.GetValue<int>());
        Assert.Equal(["project-a"], stats["groups"]!.AsArray().Select(g => g!["group"]!.GetValue<string>()));
        var trace = await throughDashboard.GetAsync("/api/traces/a-1");
        Assert.Equal(HttpStatusCode.OK, trace.StatusCode);
    }

    [Fact]
    public async Task The_admin_key_passes_through_and_sees_every_project()
    {
        using var admin = _dashboard.CreateClient();

        var stats = JsonNode.Parse(await admin.GetStringAsync(Stats))!;

        Assert.Equal(["project-a", "project-b"], stats["groups"]!.AsArray().Select(g => g!["group"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_collectors_4xx_answers_come_back_unchanged()
    {
        using var anonymous = _dashboard.CreateClient(bearerKey: null);
        using var projectB = _dashboard.CreateClient(KeyOfB);

        var unauthenticated = await anonymous.GetAsync(Stats);
        var invalid = await projectB.GetAsync("/api/trace-stats?interval=week");
        var othersTrace = await projectB.GetAsync("/api/traces/a-1");
        var badPromptStats = await projectB.GetAsync("/api/prompt-stats");

        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        Assert.Equal("interval", JsonNode.Parse(await invalid.Content.ReadAsStringAsync())!["param"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, othersTrace.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badPromptStats.StatusCode);
        Assert.Equal("name", JsonNode.Parse(await badPromptStats.Content.ReadAsStringAsync())!["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_service_that_cannot_be_reached_is_a_502_problem()
    {
        using var admin = _dashboard.CreateClient();

        var response = await admin.GetAsync("/api/costs?groupBy=model");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("upstream_unreachable", problem["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_service_that_never_answers_is_a_504_problem()
    {
        using var admin = _dashboard.CreateClient();

        var response = await admin.GetAsync("/api/alerts");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_prefix_whose_service_is_not_configured_is_not_forwarded()
    {
        using var admin = _dashboard.CreateClient();

        var response = await admin.GetAsync("/api/prompts");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
