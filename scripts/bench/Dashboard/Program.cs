// Issue #10's "every page renders in ≤ 1 s with 100,000 traces stored", measured: the embedded platform (its own
// SQLite store, as a laptop runs it) seeded with N traces over the last 7 days (a generation each, two scores each, and
// the matching per-minute cost rollups, and trace-stats' rollups rebuilt from them; see below for why straight into the tables), then each console page loaded in headless chromium, timed from navigation
// to the selector that says its data is shown. Every page is loaded `rounds` times; the first is reported apart (cold).
//   dotnet run -c Release --project scripts/bench/Dashboard -- [traces=100000] [rounds=5]
using System.Diagnostics;
using System.Globalization;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.Platform;
using LlmOps.Testing;
using System.Data.Common;
using LlmOps.TraceCollector.Features.Rollups;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;
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

// Seeded straight into the trace-collector's SQLite tables, as TraceStore leaves them once a trace is complete (one
// transaction, prepared inserts), and into the cost-accountant's per-minute rollups. Through TraceStore itself the
// embedded platform took ~45 traces/s here (batches of 2,000 with an observation and two scores each, trace completion
// and the evaluator working alongside), which would make a 100,000-trace run take ~40 minutes.
var now = DateTime.UtcNow;
var random = new Random(10);
var seed = Stopwatch.StartNew();
const string firstTrace = "bench-0000000";
var rollups = new Dictionary<(DateTime, string), CostRollupRecord>();
static string Sql(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
await using (var scope = host.Services.CreateAsyncScope())
{
    var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
    var connection = db.Database.GetDbConnection();
    await connection.OpenAsync();
    await using var transaction = await connection.BeginTransactionAsync();
    DbCommand Command(string table, string[] columns)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(c => "$" + c))})";
        foreach (var column in columns)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "$" + column;
            command.Parameters.Add(parameter);
        }
        return command;
    }
    async Task InsertAsync(DbCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        await command.ExecuteNonQueryAsync();
    }
    var traceInsert = Command("traces", ["project_id", "id", "name", "user_id", "feature", "start_time", "end_time", "status", "input", "output",
        "created_at", "updated_at", "last_activity_at", "pending", "revision"]);
    var observationInsert = Command("observations", ["project_id", "id", "trace_id", "type", "name", "start_time", "end_time", "completion_start_time",
        "model", "prompt_name", "prompt_version", "input_tokens", "output_tokens", "status", "input", "output", "metadata", "created_at", "updated_at"]);
    string[] cacheStatuses = ["miss", "hit", "none", "miss", "semantic_hit"];
    var scoreInsert = Command("scores", ["project_id", "id", "trace_id", "name", "data_type", "value", "source", "status", "timestamp",
        "created_at", "updated_at"]);
    for (var i = 0; i < traces; i++)
    {
        var start = now.AddSeconds(-random.Next(7 * 86_400));
        var end = start.AddMilliseconds(300 + random.Next(4_000));
        var model = models[i % models.Length];
        var id = $"bench-{i:D7}";
        var status = i % 50 == 0 ? "error" : "ok";
        await InsertAsync(traceInsert, Project, id, "support answer", $"user-{i % 500}", i % 3 == 0 ? "search" : "chat", Sql(start), Sql(end), status,
            $"Where is my order {i}?", "It shipped on Monday.", Sql(end), Sql(end), Sql(end), 0, 1);
        // Half the generations streamed (a first token 80–1,000 ms in), and the gateway's cache outcomes, as it writes them.
        var streamed = i % 2 == 0;
        await InsertAsync(observationInsert, Project, id + "-gen", id, "generation", "answer", Sql(start), Sql(end),
            Sql(start.AddMilliseconds(80 + random.Next(920))), model, "support", 1 + i % 3,
            800, 90, status, $"[{{\"role\":\"user\",\"content\":\"Where is my order {i}?\"}}]", "It shipped on Monday.",
            $"{{\"streamed\":{(streamed ? "true" : "false")},\"cacheStatus\":\"{cacheStatuses[i % cacheStatuses.Length]}\"}}", Sql(end), Sql(end));
        foreach (var name in new[] { "faithfulness", "relevance" })
            await InsertAsync(scoreInsert, Project, $"{id}-{name}", id, name, "NUMERIC", random.NextDouble(), "EVAL", "ok", Sql(end.AddMilliseconds(500)),
                Sql(end), Sql(end));
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
    await transaction.CommitAsync();
    // Rows written around TraceStore are not in trace-stats' per-minute rollups yet: rebuilt as the migration backfills them.
    foreach (var statement in RollupBackfill.Statements(postgres: false, name => name).Concat(RollupBackfill.GenerationStatements(postgres: false, name => name)))
        await db.Database.ExecuteSqlRawAsync(statement);
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
    // Where the last load's time went: its slowest API call as the browser saw it.
    var slowest = await page.EvaluateAsync<string>("""
        () => performance.getEntriesByType('resource').filter(e => e.name.includes('/api/'))
          .sort((a, b) => b.duration - a.duration).slice(0, 1).map(e => `${new URL(e.name).pathname} ${Math.round(e.duration)} ms`).join('') || '-'
        """);
    Console.WriteLine($"page {name,-16} first {times[0],6:0} ms, then median {Median(times.Skip(1)),6:0} ms, max {times.Skip(1).DefaultIfEmpty(times[0]).Max(),6:0} ms; slowest call {slowest}");
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
