using System.Net;
using System.Text.Json.Nodes;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.TraceCollector.Tests;

public class GetTraceEndpointTests : IAsyncLifetime
{
    private const string KeyOfA = "project-a-key-0123456789";
    private const string KeyOfB = "project-b-key-0123456789";
    private TestHost _host = null!;


    public async ValueTask InitializeAsync() =>
        _host = await TestHost.StartAsync(
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
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
            });

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> IngestAsync(string projectId)
    {
        var inference = Inferences.Successful(projectId: projectId);
        await _host.Services.GetRequiredService<BoundedPublisher>().PublishAsync(inference, CancellationToken.None);
        using var admin = _host.CreateClient();
        await Eventually.TrueAsync(async () => (await admin.GetAsync($"/api/traces/{inference.TraceId}")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), "the trace to be stored");
        return inference.TraceId;
    }

    [Fact]
    public async Task The_admin_gets_a_trace_with_its_observations_and_usage()
    {
        var traceId = await IngestAsync("project-a");
        using var admin = _host.CreateClient();

        var trace = JsonNode.Parse(await admin.GetStringAsync($"/api/traces/{traceId}"))!;

        Assert.Equal(traceId, trace["id"]!.GetValue<string>());
        Assert.Equal("project-a", trace["projectId"]!.GetValue<string>());
        Assert.Equal(850, trace["latencyMs"]!.GetValue<double>(), 1);
        Assert.Equal("What is our refund policy?", trace["input"]![0]!["content"]!.GetValue<string>());
        var generation = trace["observations"]![0]!;
        Assert.Equal("generation", generation["type"]!.GetValue<string>());
        Assert.Equal(120, generation["usage"]!["inputTokens"]!.GetValue<long>());
        Assert.Equal("acme", trace["metadata"]!["tenant"]!.GetValue<string>());
        Assert.EndsWith("Z", trace["startTime"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_project_key_sees_its_own_trace_and_another_projects_trace_is_simply_not_found()
    {
        var traceOfA = await IngestAsync("project-a");
        using var a = _host.CreateClient(KeyOfA);
        using var b = _host.CreateClient(KeyOfB);

        var own = await a.GetAsync($"/api/traces/{traceOfA}");
        var foreign = await b.GetAsync($"/api/traces/{traceOfA}");

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.DoesNotContain("project-a", await foreign.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unknown_and_malformed_ids_and_missing_keys_get_clear_4xx()
    {
        using var admin = _host.CreateClient();
        using var anonymous = _host.CreateClient(bearerKey: null);

        var unknown = await admin.GetAsync("/api/traces/0123456789abcdef0123456789abcdef");
        var tooLong = await admin.GetAsync("/api/traces/" + new string('a', 65));
        var noKey = await anonymous.GetAsync("/api/traces/0123456789abcdef0123456789abcdef");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("trace_not_found", JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }
}
