using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Platform;
using LlmOps.Testing;
using Microsoft.Playwright;

namespace LlmOps.Dashboard.Tests;

/// <summary>
/// The embedded platform in-process (real Kestrel on a loopback port) with traffic the pages must show: a price for
/// <c>sim-small</c>, chat completions through <c>/v1/chat/completions</c>, a trace over <c>/api/ingest</c> with a
/// retrieval under its generation, and an API rule on <c>cost</c> that this traffic makes fire. Plus one headless
/// Debian chromium for all tests (Playwright's own browser download is not used).
/// </summary>
public sealed class PlatformWithTraffic : IAsyncLifetime
{
    public const string Model = "sim-small";
    public const string RuleName = "dashboard_cost_seen";
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string PromptName = "support-answer";
    public const string BudgetFeature = "dash-feature";

    /// <summary>A second project, with the gateway's exact cache on: one streamed request and one question asked twice (a miss, then a hit).</summary>
    public const string CacheProject = "dash-cache";

    public TestHost Host { get; private set; } = null!;
    public string TraceId { get; } = "dash-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The gateway trace of the prompt's v3 request, which gets a <see cref="PromptScore"/> score.</summary>
    public string PromptTraceId { get; } = Guid.NewGuid().ToString("N");
    public const string PromptScore = "dash_quality";
    public string ProjectKey { get; private set; } = null!;

    /// <summary>The pending rollback of <see cref="PromptName"/>'s production label (v3 → v2), in both the registry and the loop.</summary>
    public Guid RollbackActionId { get; } = Guid.NewGuid();

    /// <summary>An open RAG action of the loop, with example trace <see cref="TraceId"/>.</summary>
    public Guid RagActionId { get; } = Guid.NewGuid();
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = await TestHost.StartAsync(
            builder => builder.AddEmbeddedPlatform(),
            app => app.MapEmbeddedPlatform(),
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
            });
        using var admin = Host.CreateClient();
        await GenerateTrafficAsync(admin);
        await LoopState.SeedAsync(this, admin);

        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: apt-get install -y chromium (scripts/deps.sh start does it).");
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Running as root in CI containers: chromium's sandbox needs user namespaces it may not have.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    private async Task GenerateTrafficAsync(HttpClient admin)
    {
        var price = await admin.PostAsJsonAsync("/api/prices",
            new { provider = "openai", model = Model, input = 150.0, output = 600.0, effectiveFrom = "2020-01-01" });
        Assert.True(price.IsSuccessStatusCode, await price.Content.ReadAsStringAsync());

        const string rule = $$"""
            { "name": "{{RuleName}}", "metric": { "name": "cost", "window": "1h" },
              "condition": { "threshold": { "op": ">", "value": 0 } },
              "labels": { "severity": "warning" }, "annotations": { "summary": "Spend in the last hour is above zero" } }
            """;
        var created = await admin.PostAsync("/api/rules?interval=10s", new StringContent(rule, Encoding.UTF8, "application/json"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());

        for (var i = 0; i < 3; i++)
        {
            var answer = await admin.PostAsJsonAsync("/v1/chat/completions",
                new { model = Model, messages = new[] { new { role = "user", content = $"Dashboard question {i}: what is the refund policy?" } } });
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        }

        await CacheProjectTrafficAsync(admin);

        var now = DateTimeOffset.UtcNow;
        string At(double ms) => now.AddMilliseconds(ms).ToString("O");
        JsonObject Event(string type, JsonObject body) => new()
        {
            ["id"] = Guid.NewGuid().ToString("N"), ["type"] = type, ["timestamp"] = At(0), ["body"] = body,
        };
        var envelope = new JsonObject
        {
            ["batch"] = new JsonArray(
                Event("trace-create", new JsonObject { ["id"] = TraceId, ["name"] = "support answer", ["userId"] = "dash-user",
                    ["input"] = "Where is my order?", ["output"] = "It shipped on Monday.", ["timestamp"] = At(0) }),
                Event("span-create", new JsonObject { ["id"] = TraceId + "-retrieve", ["traceId"] = TraceId, ["name"] = "search orders",
                    ["type"] = "RETRIEVER", ["startTime"] = At(0), ["endTime"] = At(200),
                    ["output"] = new JsonArray(new JsonObject { ["id"] = "o-7", ["content"] = "Order 7 shipped Monday." }) }),
                Event("generation-create", new JsonObject { ["id"] = TraceId + "-answer", ["traceId"] = TraceId,
                    ["parentObservationId"] = TraceId + "-retrieve", ["name"] = "answer", ["model"] = Model, ["startTime"] = At(200),
                    ["endTime"] = At(1500), ["output"] = "It shipped on Monday.",
                    ["usageDetails"] = new JsonObject { ["input"] = 80, ["output"] = 20 } }),
                Event("score-create", new JsonObject { ["id"] = TraceId + "-faithful", ["traceId"] = TraceId, ["name"] = "faithfulness", ["value"] = 0.9 })),
        };
        // Ingestion is an application's job: it takes a project key, issued here for the default project.
        var issued = await admin.PostAsJsonAsync("/api/keys", new { projectId = "default", name = "dashboard-tests" });
        Assert.True(issued.IsSuccessStatusCode, await issued.Content.ReadAsStringAsync());
        ProjectKey = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
        using var project = Host.CreateClient(ProjectKey);
        await Eventually.TrueAsync(async () =>
            (int)(await project.PostAsync("/api/ingest", new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/json"))).StatusCode == 207,
            TimeSpan.FromSeconds(15), "the trace ingested with the project key");

        await Eventually.UntilAsync(async () =>
        {
            var costs = JsonNode.Parse(await admin.GetStringAsync("/api/costs"))!;
            return costs["totals"]!["requests"]!.GetValue<long>() >= 6 && costs["totals"]!["cost"]!.GetValue<decimal>() > 0 ? costs : null;
        }, TimeSpan.FromSeconds(30), "six priced requests in /api/costs");
        await Eventually.UntilAsync(async () =>
        {
            var generations = JsonNode.Parse(await admin.GetStringAsync("/api/trace-stats?interval=minute&from=" + Uri.EscapeDataString(DateTime.UtcNow.AddHours(-1).ToString("O"))))!["generations"]!.AsArray();
            return generations.Sum(g => g!["cacheHits"]!.GetValue<long>()) >= 1 && generations.Sum(g => g!["ttftCount"]!.GetValue<long>()) >= 1 ? generations : null;
        }, TimeSpan.FromSeconds(30), "the cache hit and the streamed generation in /api/trace-stats");
        await Eventually.UntilAsync(async () => (await admin.GetAsync($"/api/traces/{TraceId}")).IsSuccessStatusCode ? "" : null,
            TimeSpan.FromSeconds(30), "the ingested trace");
        await Eventually.UntilAsync(async () => (await FiringAlertAsync(admin)) is { } alert ? alert : null,
            TimeSpan.FromSeconds(45), $"{RuleName} firing");
    }

    /// <summary>
    /// Traffic of <see cref="CacheProject"/> under its own key: a streamed completion (a time to first token) and one question
    /// asked twice, so the project's cost stacks apart from the default project's and the cache shows a hit among its lookups.
    /// </summary>
    private async Task CacheProjectTrafficAsync(HttpClient admin)
    {
        var project = await admin.PostAsJsonAsync("/api/projects", new { id = CacheProject, name = "Dashboard cache", cacheTtlSeconds = 300 });
        Assert.True(project.IsSuccessStatusCode, await project.Content.ReadAsStringAsync());
        var issued = await admin.PostAsJsonAsync("/api/keys", new { projectId = CacheProject, name = "dashboard-cache" });
        Assert.True(issued.IsSuccessStatusCode, await issued.Content.ReadAsStringAsync());
        using var client = Host.CreateClient(JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["key"]!.GetValue<string>());
        var streamed = await client.PostAsJsonAsync("/v1/chat/completions",
            new { model = Model, stream = true, messages = new[] { new { role = "user", content = "Stream me the returns policy, please." } } });
        Assert.True(streamed.IsSuccessStatusCode, await streamed.Content.ReadAsStringAsync());
        await streamed.Content.ReadAsStringAsync();
        var cacheStatuses = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var answer = await client.PostAsJsonAsync("/v1/chat/completions",
                new { model = Model, messages = new[] { new { role = "user", content = "How long do refunds take?" } } });
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
            cacheStatuses.Add(answer.Headers.TryGetValues("x-llmops-cache", out var values) ? values.Single() : "");
        }
        Assert.Equal(["miss", "hit"], cacheStatuses);
    }

    /// <summary>The firing alert of <see cref="RuleName"/>, as the API has it.</summary>
    public async Task<JsonNode?> FiringAlertAsync(HttpClient admin)
    {
        var alerts = JsonNode.Parse(await admin.GetStringAsync($"/api/alerts?rule={RuleName}"))!["data"]!.AsArray();
        return alerts.FirstOrDefault(a => a!["state"]!.GetValue<string>() == "firing");
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        Playwright?.Dispose();
        await Host.DisposeAsync();
    }
}
