// cost-accountant and feedback-ingest against the test RabbitMQ and PostgreSQL (start them first: scripts/deps.sh start):
//   1. InferenceCompleted published to RabbitMQ → priced into the ledger (rows/s, and CostRecorded confirmed per second);
//   2. POST /api/feedback in batches of 100, 4 at a time → accepted feedbacks/s (each answered after the broker confirmed
//      its FeedbackReceived and its score).
//   3. (drain > 0) the service's own capacity: `drain` InferenceCompleted published (100 per message) while
//      cost-accountant is stopped, then cost-accountant started and timed from its first priced row to its last, so the
//      benchmark's publisher does not share the two cores while it is measured.
//   dotnet run -c Release --project scripts/bench/Costs -- [inferences=20000] [feedbacks=20000] [drain=0]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using LlmOps.Contracts.Inference;
using LlmOps.CostAccountant;
using LlmOps.FeedbackIngest;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

var inferences = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var feedbacks = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
var drain = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;
const string Key = "bench-costs-key-0123456789";

var database = await TestInfrastructure.CreateDatabaseAsync("costs-bench");
var vhost = await TestInfrastructure.CreateVirtualHostAsync();
var settings = TestInfrastructure.RabbitMqSettings(vhost);
foreach (var (key, value) in TestInfrastructure.PostgresSettings(database))
    settings[key] = value;
settings["Serilog:MinimumLevel:Default"] = "Warning";
// The bench measures throughput, not the per-key limit.
settings["FeedbackIngest:RequestsPerSecondPerKey"] = "1000000";
settings["FeedbackIngest:CheckTraceProject"] = "false";
await using var host = await TestHost.StartAsync(
    builder =>
    {
        builder.AddServiceDefaults("costs-bench");
        builder.AddCostAccountant();
        builder.AddFeedbackIngest();
        builder.Services.AddSingleton<IApiKeyResolver>(new TestProjectKeys((Key, "bench")));
    },
    app =>
    {
        app.MapDefaultEndpoints();
        app.MapCostAccountantEndpoints();
        app.MapFeedbackIngestEndpoints();
    },
    settings);
await ReadyAsync(host);
static async Task ReadyAsync(TestHost started)
{
    using var probe = started.CreateClient();
    while (!(await probe.GetAsync("/health/ready")).IsSuccessStatusCode)
        await Task.Delay(100);
}
await using var sql = NpgsqlDataSource.Create(database);
// Costs committed, read from the rollups (a few hundred rows per minute, written in the ledger's transaction): counting
// the ledger itself every few milliseconds would scan a growing table and take PostgreSQL's CPU from the service.
const string Priced = "select coalesce(sum(requests), 0)::bigint from cost_accountant.cost_rollups";
async Task<long> CountAsync(string query)
{
    await using var command = sql.CreateCommand(query);
    return (long)(await command.ExecuteScalarAsync())!;
}

// 1. Pricing.
var bus = host.Services.GetRequiredService<IBus>();
var clock = Stopwatch.StartNew();
// As the gateway publishes: InferenceCompletedBatch messages of 100, BENCH_INFLIGHT (10) messages awaited together.
var window = 100 * int.Parse(Environment.GetEnvironmentVariable("BENCH_INFLIGHT") ?? "10", CultureInfo.InvariantCulture);
for (var offset = 0; offset < inferences; offset += window)
    await Task.WhenAll(Enumerable.Range(offset, Math.Min(window, inferences - offset)).Select(_ => Inference()).Chunk(100)
        .Select(chunk => bus.Publish(new InferenceCompletedBatch { Inferences = chunk })));
var published = clock.Elapsed;
while (await CountAsync(Priced) < inferences)
    await Task.Delay(50);
var done = clock.Elapsed;
Console.WriteLine($"costs: {inferences} InferenceCompleted (100 per message) published in {published.TotalSeconds:0.0} s ({inferences / published.TotalSeconds:0}/s); " +
    $"all priced, stored and their CostRecorded confirmed after {done.TotalSeconds:0.0} s: {inferences / done.TotalSeconds:0} inferences/s");

// 2. Feedback.
if (feedbacks > 0)
    await FeedbackAsync();
async Task FeedbackAsync()
{
var requests = feedbacks / 100;
var senders = int.Parse(Environment.GetEnvironmentVariable("BENCH_FEEDBACK_CONCURRENCY") ?? "4", CultureInfo.InvariantCulture);
var next = -1;
var latencies = new List<double>();
clock.Restart();
await Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
{
    using var client = host.CreateClient(Key);
    int index;
    while ((index = Interlocked.Increment(ref next)) < requests)
    {
        var batch = new
        {
            feedback = Enumerable.Range(0, 100).Select(i => new
            {
                traceId = Guid.NewGuid().ToString("N"), kind = i % 2 == 0 ? "thumbs" : "rating", value = i % 2 == 0 ? 1 : 4,
                idempotencyKey = $"{index}-{i}",
            }),
        };
        var started = Stopwatch.GetTimestamp();
        var response = await client.PostAsJsonAsync("/api/feedback", batch);
        if ((int)response.StatusCode != 202)
            throw new InvalidOperationException($"feedback answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        lock (latencies)
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}));
var elapsed = clock.Elapsed;
latencies.Sort();
Console.WriteLine($"feedback: {requests * 100} accepted (batches of 100, {senders} at a time) in {elapsed.TotalSeconds:0.0} s: " +
    $"{requests * 100 / elapsed.TotalSeconds:0} feedbacks/s with broker confirms; request p50 {latencies[latencies.Count / 2]:0} ms, " +
    $"p99 {latencies[(int)(latencies.Count * 0.99)]:0} ms");
}

// 3. The service's capacity, draining a backlog.
if (drain > 0)
{
    var queued = await Backlog.QueueAsync(host, vhost, Enumerable.Range(0, drain).Select(_ => Inference()).Chunk(100)
        .Select(chunk => new InferenceCompletedBatch { Inferences = chunk }));
    Console.WriteLine($"drain: {drain} InferenceCompleted queued (100 per message) in {queued.TotalSeconds:0.0} s with cost-accountant stopped");
    var before = await CountAsync(Priced);
    await Backlog.DrainAsync(host);
    long first;
    while ((first = await CountAsync(Priced)) == before)
        await Task.Delay(10);
    clock.Restart();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    long now;
    while ((now = await CountAsync(Priced)) < before + drain)
        await Task.Delay(50);
    var drained = clock.Elapsed;
    Console.WriteLine($"drain: cost-accountant priced, stored and confirmed {now - first} inferences in {drained.TotalSeconds:0.0} s " +
        $"after its first: {(now - first) / drained.TotalSeconds:0} inferences/s, " +
        $"{(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / ((now - first) / 1000.0):0} ms of this process's CPU per 1,000");
}
await TestInfrastructure.DeleteVirtualHostAsync(vhost);
return;

static InferenceCompleted Inference()
{
    var now = DateTimeOffset.UtcNow;
    return new InferenceCompleted
    {
        InferenceId = Guid.CreateVersion7(),
        ProjectId = "bench",
        KeyId = "k",
        UserId = "u-" + Random.Shared.Next(100),
        Feature = "f-" + Random.Shared.Next(5),
        TraceId = ActivityTraceId.CreateRandom().ToHexString(),
        SpanId = ActivitySpanId.CreateRandom().ToHexString(),
        RequestedModel = "gpt-4o-mini",
        Provider = "openai",
        Deployment = "openai",
        Usage = new TokenUsage { InputTokens = 812, OutputTokens = 96, CachedInputTokens = 256 },
        StartedAt = now.AddMilliseconds(-900),
        CompletedAt = now,
        Status = InferenceStatuses.Success,
    };
}
