using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.Testing;
using LlmOps.TraceCollector;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.FeedbackIngest.Tests;

/// <summary>
/// feedback-ingest and trace-collector in one host (as the embedded platform composes them), talking over the bus:
/// feedback on another project's trace is refused; on the caller's own trace, or one not seen yet, accepted; and the
/// human score lands on the caller's trace.
/// </summary>
public class TraceOwnershipTests : IAsyncLifetime
{
    private const string KeyOfA = "owner-project-a-key-0123456789";
    private const string KeyOfB = "owner-project-b-key-0123456789";
    private TestHost _host = null!;


    public async ValueTask InitializeAsync() =>
        _host = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults("feedback-platform");
                builder.AddTraceCollector();
                builder.AddFeedbackIngest();
                builder.Services.AddSingleton<IApiKeyResolver>(new TestProjectKeys((KeyOfA, "project-a"), (KeyOfB, "project-b")));
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapTraceCollectorEndpoints();
                app.MapFeedbackIngestEndpoints();
            },
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["FeedbackIngest:TraceCheckTimeoutMs"] = "5000",
                ["TraceCollector:BusBatchWaitMs"] = "20",
            });

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> TraceOfAsync(string key)
    {
        var trace = Guid.NewGuid().ToString("N");
        var response = await _host.CreateClient(key).PostAsJsonAsync("/api/ingest", new JsonObject
        {
            ["batch"] = new JsonArray(new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString("N"), ["type"] = "trace-create", ["body"] = new JsonObject { ["id"] = trace, ["name"] = "chat" },
            }),
        });
        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        return trace;
    }

    [Fact]
    public async Task Feedback_on_another_projects_trace_is_refused_and_on_its_own_or_an_unseen_trace_accepted_and_scored()
    {
        var traceOfA = await TraceOfAsync(KeyOfA);
        var unseen = Guid.NewGuid().ToString("N");
        using var b = _host.CreateClient(KeyOfB);
        using var a = _host.CreateClient(KeyOfA);

        var foreign = await b.PostAsJsonAsync("/api/feedback", new { traceId = traceOfA, kind = "thumbs", value = false });
        var own = await a.PostAsJsonAsync("/api/feedback", new { traceId = traceOfA, kind = "rating", value = 5 });
        var early = await b.PostAsJsonAsync("/api/feedback", new { traceId = unseen, kind = "thumbs", value = true });

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Contains("trace_not_found", await foreign.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, early.StatusCode);
        var trace = await Eventually.UntilAsync(async () =>
        {
            var node = JsonNode.Parse(await a.GetStringAsync($"/api/traces/{traceOfA}"))!;
            return node["scores"]!.AsArray().Count == 1 ? node : null;
        }, TimeSpan.FromSeconds(15), "the human score on the trace");
        Assert.Equal("user_rating", trace["scores"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(5, trace["scores"]![0]!["value"]!.GetValue<double>());
    }
}
