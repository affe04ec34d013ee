// Issue #10's "every page renders in ≤ 1 s with 100,000 traces stored", measured: the embedded platform (its own
// SQLite store, as a laptop runs it) seeded with N traces over the last 7 days (a generation each, two scores each, and
// the matching per-minute cost rollups), then each console page loaded in headless chromium, timed from navigation
// to the selector that says its data is shown. Every page is loaded `rounds` times; the first is reported apart (cold).
//   dotnet run -c Release --project scripts/bench/Dashboard -- [traces=100000] [rounds=5]
using System.Diagnostics;
using System.Globalization;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.Platform;
using LlmOps.Testing;
using LlmOps.TraceCollector.Features.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

var traces = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
const string Project = "default";
string[] models = ["gpt-4o-mini", "gpt-4o", "claude-3-5-haiku"];

await using var host = await TestHost.StartAsync(
    builder => builder.AddEmbeddedPlatform(),
    app => app.MapEmbeddedPlatform(),
    new Dictionary<string, string?>
    {
        ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-bench-dashboard", Guid.NewGuid().ToString("N")),
        ["Serilog:MinimumLevel:Default"] = "Warning",
    });

// Seed straight through the trace-collector's store (the write path /api/ingest ends in) and the cost-accountant's
// rollup table, in batches of 2,000 traces.
var now = DateTime.UtcNow;
var random = new Random(10);
var seed = Stopwatch.StartNew();
string firstTrace = "";
var rollups = new Dictionary<(DateTime, string), CostRollupRecord>();
for (var offset = 0; offset < traces; offset += 2_000)
{
    var batch = new TraceWriteBatch();
    for (var i = offset; i < Math.Min(traces, offset + 2_000); i++)
    {
        var start = now.AddSeconds(-random.Next(7 * 86_400));
        var latency = 300 + random.Next(4_000);
        var model = models[i % models.Length];
        var id = $"bench-{i:D7}";
        if (i == 0) firstTrace = id;
        var error = i % 50 == 0;
        batch.Traces.Add(new TraceWrite
        {
            ProjectId = Project, Id = id, Explicit = true, Name = "support answer", UserId = $"user-{i % 500}", Feature = i % 3 == 0 ? "search" : "chat",
            Input = $"Where is my order {i}?", Output = "It shipped on Monday.", StartTime = start, EndTime = start.AddMilliseconds(latency), Error = error,
        });
        batch.Observations.Add(new ObservationWrite
        {
            ProjectId = Project, Id = id + "-gen", TraceId = id, Type = "generation", Name = "answer", Model = model,
            StartTime = start, EndTime = start.AddMilliseconds(latency), InputTokens = 800, OutputTokens = 90, Status = error ? "error" : "ok",
            Input = $"[{{\"role\":\"user\",\"content\":\"Where is my order {i}?\"}}]", Output = "It shipped on Monday.",
            PromptName = "support", PromptVersion = 1 + i % 3,
        });
        foreach (var name in new[] { "faithfulness", "relevance" })
            batch.Scores.Add(new ScoreWrite
            {
                ProjectId = Project, Id = $"{id}-{name}", TraceId = id, Name = name, DataType = "NUMERIC", Value = random.NextDouble(),
                Source = "EVAL", Timestamp = start.AddMilliseconds(latency + 500),
            });
        var minute = new DateTime(start.Ticks - start.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        if (!rollups.TryGetValue((minute, model), out var rollup))
            rollups[(minute, model)] = rollup = new CostRollupRecord
            {
                ProjectId = Project, Minute = minute, Model = model, Feature = "", KeyId = "", UserId = "", Deployment = "", Prompt = "",
            };
        rollup.Requests++;
        rollup.InputTokens += 800;
        rollup.OutputTokens += 90;
        rollup.CostNanos += 174_000;
    }
    await using var scope = host.Services.CreateAsyncScope();
    await scope.ServiceProvider.GetRequiredService<TraceStore>().WriteAsync(batch, CancellationToken.None);
}
await using (var scope = host.Services.CreateAsyncScope())
{
    var costs = scope.ServiceProvider.GetRequiredService<CostAccountantDbContext>();
    costs.Rollups.AddRange(rollups.Values);
    await costs.SaveChangesAsync();
}
Console.WriteLine($"seeded {traces:N0} traces (+{traces:N0} generations, {2 * traces:N0} scores) and their cost rollups in {seed.Elapsed.TotalSeconds:0.0} s");

// The API calls each page makes, timed alone (server side of the page load).
using var admin = host.CreateClient();
var weekAgo = now.AddDays(-7).ToString("O");
var nowText = now.ToString("O");
foreach (var path in new[]
{
    $"/api/trace-stats?from={weekAgo}&to={nowText}&interval=hour", $"/api/costs?from={weekAgo}&to={nowText}&interval=hour&groupBy=model",
    "/api/traces?limit=50", $"/api/traces/{firstTrace}", "/api/alerts", "/api/rules", "/api/prompts", "/api/actions?path=prompt&limit=100",
    "/api/drift?limit=100", "/api/budgets", $"/api/costs/top?by=user&from={weekAgo}&to={nowText}&limit=20",
})
{
    var times = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        var clock = Stopwatch.StartNew();
        var response = await admin.GetAsync(path);
        await response.Content.ReadAsByteArrayAsync();
        times.Add(clock.Elapsed.TotalMilliseconds);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
    }
    Console.WriteLine($"api  {path.Split('?')[0],-28} first {times[0],6:0} ms, then median {Median(times.Skip(1)),6:0} ms");
}

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"],
});
var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
context.SetDefaultTimeout(30_000);
var page = await context.NewPageAsync();
await page.GotoAsync("/");
await page.GetByLabel("API key").FillAsync(TestHost.AdminKey);
await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
await page.Locator("#tile-cost .value").WaitForAsync();

// "Data shown": the element each page fills from its API answers.
(string Name, string Path, string Selector)[] pages =
[
    ("Overview 24 h", "/", "#page .uplot"),
    ("Traces", "/traces", "#page tbody tr"),
    ("Trace", $"/traces/{firstTrace}", "#page .waterfall .bar"),
    ("Alerts", "/alerts", "#page h2#rules-title"),
    ("Prompts", "/prompts", "#page section[aria-busy=false]"),
    ("Loop", "/loop", "#drift-title ~ *"),
    ("Costs & budgets", "/costs", "#top-title"),
];
Console.WriteLine($"page loads (navigation → data shown), {rounds} rounds:");
foreach (var (name, path, selector) in pages)
{
    var times = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        var clock = Stopwatch.StartNew();
        await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.Commit });
        await page.Locator(selector).First.WaitForAsync();
        times.Add(clock.Elapsed.TotalMilliseconds);
    }
    Console.WriteLine($"page {name,-16} first {times[0],6:0} ms, then median {Median(times.Skip(1)),6:0} ms, max {times.Skip(1).DefaultIfEmpty(times[0]).Max(),6:0} ms");
}

{
    // The 7-day range is a button, not a URL: timed from the click until both its answers are in and a frame is drawn.
    var times = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        await page.GotoAsync("/");
        await page.Locator("#page .uplot").First.WaitForAsync();
        var clock = Stopwatch.StartNew();
        var stats = page.WaitForResponseAsync(response => response.Url.Contains("/api/trace-stats") && response.Url.Contains("interval=hour"));
        var costs = page.WaitForResponseAsync(response => response.Url.Contains("/api/costs?") && response.Url.Contains("interval=hour"));
        await page.GetByRole(AriaRole.Button, new() { Name = "7d", Exact = true }).ClickAsync();
        await Task.WhenAll(stats, costs);
        await page.EvaluateAsync("() => new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)))");
        times.Add(clock.Elapsed.TotalMilliseconds);
    }
    Console.WriteLine($"page {"Overview → 7d",-16} first {times[0],6:0} ms, then median {Median(times.Skip(1)),6:0} ms, max {times.Skip(1).DefaultIfEmpty(times[0]).Max(),6:0} ms");
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.DefaultIfEmpty(0).Order().ToArray();
    return sorted[sorted.Length / 2];
}
