// trace-collector ingestion into PostgreSQL, end to end, on this machine (start the test servers first:
// `scripts/deps.sh start`):
//   1. bus: InferenceCompleted published to RabbitMQ 100 per message (as the gateway does) → observation rows in PostgreSQL (throughput; lag = row written
//      minus event time, p50/p99, computed by PostgreSQL over every row);
//   2. OTLP: protobuf export requests of N spans over HTTP, C at a time → rows (spans/s; request latency = ingest lag,
//      since the collector answers only after the commit);
//   3. query: GET /api/traces/{id} for random traces once the store holds at least `stored` observations (seeded by OTLP).
//   4. (backlog > 0) the collector's own capacity: `drain` InferenceCompleted queued (100 per message) while its bus is
//      stopped, then the bus started and timed from the first stored generation to the last, so the benchmark's
//      publisher does not share the two cores while it is measured.
//   dotnet run -c Release --project scripts/bench/Ingest -- [bus-events=50000] [otlp-spans=400000] [stored=1000000] [backlog=0]
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.Testing;
using LlmOps.TraceCollector;
using LlmOps.TraceCollector.Features.Otlp.Proto;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

var busEvents = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50_000;
var otlpSpans = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 400_000;
var stored = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1_000_000;
var backlog = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 0;
const int SpansPerRequest = 500;
const int Concurrency = 4;


var database = await TestInfrastructure.CreateDatabaseAsync("ingest-bench");
var vhost = await TestInfrastructure.CreateVirtualHostAsync();
var settings = TestInfrastructure.RabbitMqSettings(vhost);
foreach (var (key, value) in TestInfrastructure.PostgresSettings(database))
    settings[key] = value;
settings["Serilog:MinimumLevel:Default"] = "Warning";
settings["Http:MaxRequestBodyBytes"] = "33554432";
// BENCH_SETTINGS="Section:Key=value;..." overrides collector settings (e.g. to take trace completion out of a run).
foreach (var pair in (Environment.GetEnvironmentVariable("BENCH_SETTINGS") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
    settings[pair.Split('=')[0]] = pair.Split('=', 2)[1];
Task<TestHost> StartCollectorAsync() => TestHost.StartAsync(
    builder =>
    {
        builder.AddServiceDefaults(TraceCollectorExtensions.ServiceName);
        builder.AddTraceCollector();
        builder.Services.AddSingleton<IApiKeyResolver, BenchKey>();
    },
    app =>
    {
        app.MapDefaultEndpoints();
        app.MapTraceCollectorEndpoints();
    },
    settings);

await using var host = await StartCollectorAsync();
// BENCH_ALLOC=1: which types the drain allocates most (the runtime's allocation ticks).
using var runtime = Environment.GetEnvironmentVariable("BENCH_ALLOC") == "1" ? new RuntimeSampler() : null;

// Publishing before the collector's queue is bound would drop messages on the floor: wait until the bus is ready.
using (var probe = host.CreateClient())
{
    while (!(await probe.GetAsync("/health/ready")).IsSuccessStatusCode)
        await Task.Delay(100);
}
await using var sql = NpgsqlDataSource.Create(database);
// Generations stored, read from the per-minute rollups written in the store's transaction: counting the observations
// table every few milliseconds would scan a growing table and take PostgreSQL's CPU from the collector.
async Task<long> GenerationsAsync()
{
    await using var command = sql.CreateCommand("select coalesce(sum(generations), 0)::bigint from trace_collector.generation_rollups");
    return (long)(await command.ExecuteScalarAsync())!;
}
var completionOn = !(Environment.GetEnvironmentVariable("BENCH_SETTINGS") ?? "").Contains("QuietPeriodSeconds", StringComparison.Ordinal);
// Whether any trace is still to be published: EXISTS stops at the first, where a count of a fresh table's pending
// traces read the heap (its pages not yet all-visible) and took more PostgreSQL time than the completion it watched.
async Task<bool> AnyPendingAsync()
{
    await using var command = sql.CreateCommand("select exists (select 1 from trace_collector.traces where pending)");
    return (bool)(await command.ExecuteScalarAsync())!;
}
async Task<long> CountAsync()
{
    await using var command = sql.CreateCommand("select count(*) from trace_collector.observations");
    return (long)(await command.ExecuteScalarAsync())!;
}

// 0. The store alone (no bus, no HTTP): what the upserts themselves sustain.
if (Environment.GetEnvironmentVariable("BENCH_STORE") is { } storeRows)
{
    var total = int.Parse(storeRows, CultureInfo.InvariantCulture);
    var writers = int.Parse(Environment.GetEnvironmentVariable("BENCH_STORE_WRITERS") ?? "1", CultureInfo.InvariantCulture);
    var perBatch = 2_000;
    // BENCH_STORE_SHAPE=inference: what the bus path writes (one trace and its generation per gateway request).
    var inferenceShape = Environment.GetEnvironmentVariable("BENCH_STORE_SHAPE") == "inference";
    var batches = Enumerable.Range(0, total / perBatch).Select(_ =>
    {
        if (inferenceShape)
        {
            var writes = new LlmOps.TraceCollector.Features.Ingestion.TraceWriteBatch();
            for (var i = 0; i < perBatch; i++)
                LlmOps.TraceCollector.Features.Ingestion.InferenceObservations.AddTo(writes, Inference());
            return writes;
        }
        var batch = new LlmOps.TraceCollector.Features.Ingestion.TraceWriteBatch();
        var trace = Guid.NewGuid().ToString("N");
        for (var i = 0; i < perBatch; i++)
        {
            if (i % 5 == 0)
                trace = Guid.NewGuid().ToString("N");
            batch.Observations.Add(new LlmOps.TraceCollector.Features.Ingestion.ObservationWrite
            {
                ProjectId = BenchKey.Project, Id = Guid.NewGuid().ToString("N")[..16], TraceId = trace, Type = "generation", Name = "chat gpt-4o-mini",
                StartTime = DateTime.UtcNow, EndTime = DateTime.UtcNow, Model = "gpt-4o-mini", InputTokens = 812, OutputTokens = 96, Status = "ok",
                Input = "[{\"role\":\"user\",\"content\":\"Where is my order 55812-B and can I still change the colour?\"}]",
                Output = "It ships within two working days; the colour can still be changed.", Metadata = "{\"service.name\":\"bench-app\"}",
            });
        }
        return batch;
    }).ToList();
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(async _ =>
    {
        int index;
        while ((index = Interlocked.Increment(ref next)) < batches.Count)
        {
            await using var scope = host.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<LlmOps.TraceCollector.Features.Ingestion.TraceStore>().WriteAsync(batches[index], CancellationToken.None);
        }
    }));
    Console.WriteLine($"store: {batches.Count * perBatch} observations in batches of {perBatch}, {writers} writer(s): {batches.Count * perBatch / clock.Elapsed.TotalSeconds:0} rows/s");
}

// 1. The bus.
if (busEvents > 0)
{
    var bus = host.Services.GetRequiredService<IBus>();
    var clock = Stopwatch.StartNew();
    for (var offset = 0; offset < busEvents; offset += 1_000)
    {
        // As the gateway publishes: InferenceCompletedBatch messages of 100, here 10 in flight.
        var window = Enumerable.Range(offset, Math.Min(1_000, busEvents - offset)).Select(_ => Inference()).Chunk(100)
            .Select(chunk => bus.Publish(new InferenceCompletedBatch { Inferences = chunk }));
        await Task.WhenAll(window);
    }
    var published = clock.Elapsed;
    while (await GenerationsAsync() < busEvents)
        await Task.Delay(50);
    var done = clock.Elapsed;
    await using var lag = sql.CreateCommand(
        "select percentile_cont(array[0.5, 0.99]) within group (order by extract(epoch from created_at - end_time)) from trace_collector.observations");
    var percentiles = (double[])(await lag.ExecuteScalarAsync())!;
    Console.WriteLine($"bus: {busEvents} InferenceCompleted published (100 per message) in {published.TotalSeconds:0.0} s ({busEvents / published.TotalSeconds:0} events/s), " +
        $"all stored after {done.TotalSeconds:0.0} s: {busEvents / done.TotalSeconds:0} observations/s; lag p50 {percentiles[0] * 1000:0} ms, p99 {percentiles[1] * 1000:0} ms");
}

// 4 (first, on a store holding only the bus rows). The collector's capacity, draining a backlog.
// BENCH_WARMUP_DRAINS (default 1): drains of the same size first, unreported, so the measured one runs on code the
// runtime has finished tiering up; a collector runs for days, and a first drain spends a fifth of its CPU compiling.
var warmups = int.Parse(Environment.GetEnvironmentVariable("BENCH_WARMUP_DRAINS") ?? "1", CultureInfo.InvariantCulture);
for (var round = backlog > 0 ? -warmups : 0; backlog > 0 && round <= 0; round++)
{
    var measured = round == 0;
    // With trace completion on, each drain starts with every earlier trace published, so the two compete only for this one.
    while (completionOn && await AnyPendingAsync())
        await Task.Delay(250);
    var queued = await Backlog.QueueAsync(host, vhost, Enumerable.Range(0, backlog).Select(_ => Inference()).Chunk(100)
        .Select(chunk => new InferenceCompletedBatch { Inferences = chunk }));
    Console.WriteLine($"drain{(measured ? "" : " (warm-up)")}: {backlog} InferenceCompleted queued (100 per message) in {queued.TotalSeconds:0.0} s with the collector's bus stopped");
    var start = await GenerationsAsync();
    await Backlog.DrainAsync(host);
    var clock = new Stopwatch();
    long first;
    while ((first = await GenerationsAsync()) == start)
        await Task.Delay(10);
    clock.Restart();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    runtime?.Reset();
    var allocated = GC.GetTotalAllocatedBytes();
    var collections = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    long now;
    while ((now = await GenerationsAsync()) < start + backlog)
        await Task.Delay(50);
    var drained = clock.Elapsed;
    Console.WriteLine($"drain{(measured ? "" : " (warm-up)")}: the collector stored {now - first} gateway events (a trace and a generation each) in {drained.TotalSeconds:0.0} s " +
        $"after its first: {(now - first) / drained.TotalSeconds:0} observations/s, " +
        $"{(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / ((now - first) / 1000.0):0} ms of this process's CPU per 1,000, " +
        $"{(GC.GetTotalAllocatedBytes() - allocated) / (double)(now - first) / 1024:0.0} KiB allocated per event, " +
        $"GCs gen0/1/2 {GC.CollectionCount(0) - collections.Item1}/{GC.CollectionCount(1) - collections.Item2}/{GC.CollectionCount(2) - collections.Item3} " +
        $"({(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC)");
    if (completionOn && measured)
    {
        // Sustained means both: every event stored and every trace published as TraceCompleted (quiet period included).
        while (await AnyPendingAsync())
            await Task.Delay(100);
        // The last trace cannot be published before its quiet period has passed: that wait is latency, not throughput.
        var quiet = new TraceCollectorOptions().QuietPeriodSeconds;
        Console.WriteLine($"drain: every trace stored and its TraceCompleted published {clock.Elapsed.TotalSeconds:0.0} s after the first " +
            $"(the last waits its {quiet} s quiet period): {(now - first) / (clock.Elapsed.TotalSeconds - quiet):0} events/s stored and completed");
    }
    if (runtime is null || !measured)
        continue;
    foreach (var (type, share) in runtime.Top(25))
        Console.WriteLine($"  allocated: {share,6:P1} {type}");
    Console.WriteLine($"  compiled: {runtime.CompiledTotal} methods while draining");
    foreach (var (method, count) in runtime.Compiled(15))
        Console.WriteLine($"  compiled: {count,6} {method}");
}

// 2. OTLP over HTTP.
var before = await CountAsync();
var (otlpRate, latencies) = await OtlpAsync(otlpSpans);
Console.WriteLine($"otlp: {otlpSpans} spans in requests of {SpansPerRequest}, {Concurrency} at a time: {otlpRate:0} spans/s committed; " +
    $"request (= commit) latency p50 {Percentile(latencies, 0.5):0} ms, p99 {Percentile(latencies, 0.99):0} ms");
Console.WriteLine($"rows now: {await CountAsync()} (was {before})");
if (completionOn)
{
    // Trace completion keeping up: how long until every trace is published after the last span was committed.
    var drain = Stopwatch.StartNew();
    long pending;
    do
    {
        await using var count = sql.CreateCommand("select count(*) from trace_collector.traces where pending");
        pending = (long)(await count.ExecuteScalarAsync())!;
        if (pending > 0)
            await Task.Delay(100);
    }
    while (pending > 0 && drain.Elapsed < TimeSpan.FromMinutes(5));
    Console.WriteLine($"completion: every trace published {drain.Elapsed.TotalSeconds:0.0} s after the last commit (quiet period 5 s included); still pending: {pending}");
}

// 3. Queries against a large store.
var missing = stored - await CountAsync();
if (missing > 0)
{
    Console.WriteLine($"seeding {missing} more observations through OTLP for the query test...");
    var (seedRate, _) = await OtlpAsync((int)missing);
    Console.WriteLine($"  seeded at {seedRate:0} spans/s");
}
await using (var ids = sql.CreateCommand("select id from trace_collector.traces order by random() limit 1000"))
await using (var reader = await ids.ExecuteReaderAsync())
{
    var traceIds = new List<string>();
    while (await reader.ReadAsync())
        traceIds.Add(reader.GetString(0));
    using var client = host.CreateClient(BenchKey.Key);
    var times = new List<double>();
    foreach (var id in traceIds.Take(50))
        (await client.GetAsync($"/api/traces/{id}")).EnsureSuccessStatusCode();
    foreach (var id in traceIds)
    {
        var clock = Stopwatch.StartNew();
        (await client.GetAsync($"/api/traces/{id}")).EnsureSuccessStatusCode();
        times.Add(clock.Elapsed.TotalMilliseconds);
    }
    Console.WriteLine($"query: GET /api/traces/{{id}} with {await CountAsync()} observations stored, {times.Count} random traces: " +
        $"p50 {Percentile(times, 0.5):0.0} ms, p99 {Percentile(times, 0.99):0.0} ms");
}
await TestInfrastructure.DeleteVirtualHostAsync(vhost);
return;

async Task<(double Rate, List<double> Latencies)> OtlpAsync(int spans)
{
    var requests = (spans + SpansPerRequest - 1) / SpansPerRequest;
    // Built before the clock starts: the client's protobuf work would otherwise take CPU from the collector it measures.
    var bodies = Enumerable.Range(0, requests).Select(_ => OtlpBody()).ToList();
    var latencies = new List<double>();
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
    {
        using var client = host.CreateClient(BenchKey.Key);
        client.Timeout = TimeSpan.FromMinutes(2);
        int index;
        while ((index = Interlocked.Increment(ref next)) < requests)
        {
            var body = bodies[index];
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
            var started = Stopwatch.GetTimestamp();
            var response = await client.PostAsync("/v1/traces", content);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"OTLP export answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            lock (latencies)
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }));
    return (requests * SpansPerRequest / clock.Elapsed.TotalSeconds, latencies);
}

// Traces of five spans (an agent root, a retrieval, a chat generation, a tool call, an embedding), realistic attributes.
static byte[] OtlpBody()
{
    var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "bench" } };
    var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
    for (var t = 0; t < SpansPerRequest / 5; t++)
    {
        var traceId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray());
        var root = ByteString.CopyFrom(BitConverter.GetBytes(Random.Shared.NextInt64(1, long.MaxValue)));
        string[] kinds = ["invoke_agent", "retrieval", "chat", "execute_tool", "embeddings"];
        for (var s = 0; s < kinds.Length; s++)
        {
            var span = new Span
            {
                TraceId = traceId,
                SpanId = s == 0 ? root : ByteString.CopyFrom(BitConverter.GetBytes(Random.Shared.NextInt64(1, long.MaxValue))),
                ParentSpanId = s == 0 ? ByteString.Empty : root,
                Name = $"{kinds[s]} gpt-4o-mini",
                StartTimeUnixNano = now + (ulong)s * 1_000_000,
                EndTimeUnixNano = now + (ulong)(s + 5) * 10_000_000,
                Kind = Span.Types.SpanKind.Client,
            };
            span.Attributes.Add(Attribute("gen_ai.operation.name", kinds[s]));
            span.Attributes.Add(Attribute("gen_ai.provider.name", "openai"));
            span.Attributes.Add(Attribute("gen_ai.request.model", "gpt-4o-mini"));
            span.Attributes.Add(Attribute("gen_ai.conversation.id", "session-" + t));
            if (kinds[s] == "chat")
            {
                span.Attributes.Add(new KeyValue { Key = "gen_ai.usage.input_tokens", Value = new AnyValue { IntValue = 812 } });
                span.Attributes.Add(new KeyValue { Key = "gen_ai.usage.output_tokens", Value = new AnyValue { IntValue = 96 } });
                span.Attributes.Add(Attribute("gen_ai.input.messages", """[{"role":"user","parts":[{"type":"text","content":"Where is my order 55812-B and can I still change the colour?"}]}]"""));
                span.Attributes.Add(Attribute("gen_ai.output.messages", """[{"role":"assistant","parts":[{"type":"text","content":"It ships within two working days; the colour can still be changed."}]}]"""));
            }
            if (kinds[s] == "retrieval")
                span.Attributes.Add(Attribute("gen_ai.retrieval.documents", """[{"id":"d1","content":"Orders ship within 2 working days."},{"id":"d2","content":"Colour changes are possible until packed."}]"""));
            scope.Spans.Add(span);
        }
    }
    var resource = new ResourceSpans { Resource = new Resource() };
    resource.Resource.Attributes.Add(Attribute("service.name", "bench-app"));
    resource.ScopeSpans.Add(scope);
    var request = new ExportTraceServiceRequest();
    request.ResourceSpans.Add(resource);
    return request.ToByteArray();
}

static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

static InferenceCompleted Inference()
{
    var now = DateTimeOffset.UtcNow;
    return new InferenceCompleted
    {
        InferenceId = Guid.CreateVersion7(),
        ProjectId = BenchKey.Project,
        TraceId = ActivityTraceId.CreateRandom().ToHexString(),
        SpanId = ActivitySpanId.CreateRandom().ToHexString(),
        RequestedModel = "gpt-4o-mini",
        ServedModel = "gpt-4o-mini-2024-07-18",
        Deployment = "openai",
        Provider = "openai",
        Usage = new TokenUsage { InputTokens = 812, OutputTokens = 96 },
        StartedAt = now.AddMilliseconds(-900),
        CompletedAt = now,
        LatencyMs = 900,
        Status = InferenceStatuses.Success,
        HttpStatus = 200,
        Content = new InferenceContent
        {
            Messages = [new ContentMessage { Role = "user", Content = "Where is my order 55812-B and can I still change the colour?" }],
            Completion = "It ships within two working days; the colour can still be changed.",
        },
    };
}

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0)
        return double.NaN;
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}

sealed class BenchKey : IApiKeyResolver
{
    public const string Key = "bench-project-key-0123456789";
    public const string Project = "bench";

    public ValueTask<CallerIdentity?> ResolveAsync(string presentedKey, CancellationToken cancellationToken) =>
        ValueTask.FromResult(presentedKey == Key ? CallerIdentity.ForProject(Project, "bench-key") : null);
}
