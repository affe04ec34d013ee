using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;
using LlmOps.TraceCollector;
using OpenAI;
using OpenAI.Chat;

namespace LlmOps.IntegrationTests;

/// <summary>Keys are issued by the gateway and learned by every other service over the real broker.</summary>
[Collection(DistributedCollection.Name)]
public class ProjectKeyTests(DistributedFixture platform)
{
    private async Task<string> IssueKeyAsync(string project)
    {
        using var admin = platform.Proxy.CreateClient();
        var created = await admin.PostAsJsonAsync("/api/projects", new { id = project, name = project });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var issued = await admin.PostAsJsonAsync("/api/keys", new { projectId = project, name = "app" });
        var body = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!;
        Assert.True(body["announced"]!.GetValue<bool>());
        return body["key"]!.GetValue<string>();
    }

    private async Task<string> ChatAsync(string key)
    {
        var chat = new ChatClient("sim-small", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(platform.Proxy.BaseAddress, "v1") });
        var result = await chat.CompleteChatAsync([new UserChatMessage("whose trace is this?")]);
        result.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var traceId);
        return traceId!;
    }

    [Fact]
    public async Task The_collector_learns_a_new_key_from_its_event_and_keeps_each_project_to_its_own_traces()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var keyOfA = await IssueKeyAsync("a-" + suffix);
        var keyOfB = await IssueKeyAsync("b-" + suffix);
        var traceOfA = await ChatAsync(keyOfA);
        using var a = platform.Collector.CreateClient(keyOfA);
        using var b = platform.Collector.CreateClient(keyOfB);

        var (trace, _) = await TraceApi.WaitForTraceAsync(a, traceOfA, TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await b.GetAsync("/health/live")).IsSuccessStatusCode
            && (await b.GetAsync($"/api/traces/{traceOfA}")).StatusCode != HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(30), "the collector to know project B's key");

        Assert.Equal("a-" + suffix, trace["projectId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/traces/{traceOfA}")).StatusCode);
    }

    [Fact]
    public async Task A_key_revoked_at_the_gateway_is_refused_by_the_collector()
    {
        var project = "r-" + Guid.NewGuid().ToString("N")[..8];
        var key = await IssueKeyAsync(project);
        var traceId = await ChatAsync(key);
        using var asProject = platform.Collector.CreateClient(key);
        await TraceApi.WaitForTraceAsync(asProject, traceId, TimeSpan.FromSeconds(30));
        using var admin = platform.Proxy.CreateClient();
        var keyId = JsonNode.Parse(await admin.GetStringAsync($"/api/keys?projectId={project}"))!["data"]![0]!["id"]!.GetValue<string>();

        var revoked = await admin.DeleteAsync($"/api/keys/{keyId}");

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        await Eventually.TrueAsync(async () => (await asProject.GetAsync($"/api/traces/{traceId}")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(30), "the collector to refuse the revoked key");
    }

    [Fact]
    public async Task A_collector_started_after_a_key_was_issued_learns_it_from_the_gateways_snapshot()
    {
        var project = "s-" + Guid.NewGuid().ToString("N")[..8];
        var key = await IssueKeyAsync(project);
        var traceId = await ChatAsync(key);
        using (var admin = platform.Collector.CreateClient())
            await TraceApi.WaitForTraceAsync(admin, traceId, TimeSpan.FromSeconds(30));

        var settings = TestInfrastructure.RabbitMqSettings(platform.VirtualHost);
        foreach (var (name, value) in TestInfrastructure.PostgresSettings(platform.DatabaseConnectionString))
            settings[name] = value;
        await using var late = await TestHost.StartAsync(
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
            settings);
        using var asProject = late.CreateClient(key);

        var (trace, _) = await TraceApi.WaitForTraceAsync(asProject, traceId, TimeSpan.FromSeconds(30));
        Assert.Equal(project, trace["projectId"]!.GetValue<string>());
        using var probe = late.CreateClient(bearerKey: null);
        await Eventually.TrueAsync(async () => (await probe.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "readiness");
        var ready = JsonNode.Parse(await probe.GetStringAsync("/health/ready"))!;
        Assert.Contains(ready["checks"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "api-keys" && c["status"]!.GetValue<string>() == "Healthy");
    }
}
