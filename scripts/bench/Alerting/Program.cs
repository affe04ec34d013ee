// The alerting metric store in process: N mixed events (a third each costs, scores, inferences; 50 projects × 5 models,
// a few features and prompts: 3,750 series) stamped over the last H hours and recorded minute by minute from T threads
// while the store's clock follows the events (so retention and rollup run as they would in production). Then the
// managed heap after a full GC, Observe timed for the five default rules, and the snapshot's JSON size and time.
//   dotnet run -c Release --project scripts/bench/Alerting -- [events=3000000] [threads=2] [hours=1]
// Steady traffic at the one-hour rate over the full minute retention: -- 78000000 2 26
// With "bus" first: the alerting service itself over RabbitMQ and PostgreSQL (BusBenchmark.cs; start them first:
// scripts/deps.sh start): events/s kept up with, backlog, breach → page on a quiet bus and under the stream.
//   dotnet run -c Release --project scripts/bench/Alerting -- bus [seconds=30] [rate=20000] [tickMs=200] [inflight=16]
using System.Diagnostics;
using System.Text.Json;
using LlmOps.Alerting.Features.Metrics;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Inference;
using Microsoft.Extensions.Options;

if (args is ["bus", .. var busArgs])
{
    await BusBenchmark.RunAsync(busArgs);
    return;
}

var total = args.Length > 0 ? long.Parse(args[0]) : 3_000_000;
var threads = args.Length > 1 ? int.Parse(args[1]) : 2;
var hours = args.Length > 2 ? int.Parse(args[2]) : 1;
var minutes = hours * 60;
var end = new DateTimeOffset(DateTime.UtcNow.Date.AddHours(DateTime.UtcNow.Hour), TimeSpan.Zero);
var clock = new BenchClock(end - TimeSpan.FromMinutes(minutes));
var store = new MetricStore(clock, Options.Create(new MetricsOptions { DedupCapacity = 400_000 }));
string[] projects = [.. Enumerable.Range(0, 50).Select(i => $"project-{i}")];
string[] models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "llama-70b", "mistral-large"];
string[] features = ["chat", "search", "summary"];
var randoms = Enumerable.Range(0, threads).Select(t => new Random(t)).ToArray();

// Each minute's events are built before its clock starts: the store is measured, not the allocation of test messages.
var recording = new Stopwatch();
long recorded = 0;
for (var minute = 0; minute < minutes; minute++)
{
    var start = clock.Now;
    var perThread = (int)(total * (minute + 1) / minutes - total * minute / minutes) / threads;
    var work = new object[threads][];
    Parallel.For(0, threads, t => work[t] = Events(randoms[t], start, perThread));
    clock.Now = start + TimeSpan.FromMinutes(1);
    recording.Start();
    Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
    {
        foreach (var e in work[t])
            switch (e)
            {
                case CostRecorded c: store.Record(c); break;
                case ScoreRecorded s: store.Record(s); break;
                case InferenceCompleted i: store.Record(i); break;
            }
    });
    recording.Stop();
    recorded += perThread * threads;
}
var now = clock.Now;
Console.WriteLine($"record: {recorded:N0} events over {hours} h of event time from {threads} threads in {recording.Elapsed.TotalSeconds:F2} s = {recorded / recording.Elapsed.TotalSeconds:N0} events/s");
Console.WriteLine($"series: {store.SeriesCount:N0}; managed heap after GC: {GC.GetTotalMemory(forceFullCollection: true) / 1e6:N0} MB (the store, dedup sets included)");

var rules = RuleFileParser.Load(Path.Combine(AppContext.BaseDirectory, "Rules", "default-rules.yaml")).Rules.ToList();
foreach (var rule in rules)
{
    store.Observe(rule, now); // warm-up
    const int runs = 20;
    var timer = Stopwatch.StartNew();
    var count = 0;
    for (var r = 0; r < runs; r++)
        count = store.Observe(rule, now).Count;
    Console.WriteLine($"observe {rule.Name,-20} ({Duration.Format(rule.Metric.Window)}, by {string.Join("+", rule.Metric.By),-13}): {timer.Elapsed.TotalMilliseconds / runs,8:F2} ms, {count} series");
}
// The longest windows the default burn-rate pairs read (1d and 6h), through an error_rate rule per project.
foreach (var window in new[] { "6h", "1d" })
{
    var rule = rules.First(r => r.Name == "latency_p95") with
    {
        Metric = new MetricQuery { Kind = MetricKind.ErrorRate, Window = Duration.Parse(window), By = ["project"] },
        Condition = new ThresholdCondition(ComparisonOperator.GreaterThan, 0.5),
    };
    store.Observe(rule, now);
    var timer = Stopwatch.StartNew();
    const int runs = 5;
    for (var r = 0; r < runs; r++)
        store.Observe(rule, now);
    Console.WriteLine($"observe error_rate           ({window}, by project      ): {timer.Elapsed.TotalMilliseconds / runs,8:F2} ms");
}

var snapshotClock = Stopwatch.StartNew();
var json = JsonSerializer.SerializeToUtf8Bytes(store.Snapshot());
snapshotClock.Stop();
var restoreClock = Stopwatch.StartNew();
new MetricStore(new BenchClock(now), Options.Create(new MetricsOptions())).Restore(JsonSerializer.Deserialize<MetricSnapshot>(json)!);
Console.WriteLine($"snapshot: {json.Length / 1e6:N1} MB of JSON in {snapshotClock.Elapsed.TotalMilliseconds:F0} ms (read back and restored in {restoreClock.Elapsed.TotalMilliseconds:F0} ms)");
var gzipClock = Stopwatch.StartNew();
var stored = MetricCheckpoints.Encode(json);
Console.WriteLine($"checkpoint as stored (gzip, base64): {stored.Length / 1e6:N1} MB in {gzipClock.Elapsed.TotalMilliseconds:F0} ms");

object[] Events(Random random, DateTimeOffset start, int count)
{
    var events = new object[count];
    for (var i = 0; i < events.Length; i++)
    {
        var at = start + TimeSpan.FromMilliseconds(random.Next(0, 60_000));
        var project = projects[random.Next(projects.Length)];
        var model = models[random.Next(models.Length)];
        var feature = features[random.Next(features.Length)];
        events[i] = (i % 3) switch
        {
            0 => new CostRecorded
            {
                InferenceId = Guid.NewGuid(), ProjectId = project, Model = model, Feature = feature, Priced = random.Next(50) > 0,
                TotalCost = (decimal)random.NextDouble() / 100, OccurredAt = at, PromptName = "support", PromptVersion = random.Next(1, 3),
            },
            1 => new ScoreRecorded
            {
                ScoreId = Guid.NewGuid(), ProjectId = project, Model = model, Feature = feature, Name = random.Next(2) == 0 ? "hallucination" : "faithfulness",
                DataType = ScoreDataTypes.Numeric, Value = Math.Round(random.NextDouble(), 2), Label = random.Next(20) == 0 ? "hallucinated" : "ok",
                Source = ScoreSources.Eval, RecordedAt = at,
            },
            _ => new InferenceCompleted
            {
                InferenceId = Guid.NewGuid(), ProjectId = project, RequestedModel = model, Feature = feature, TraceId = "t", SpanId = "s",
                StartedAt = at, CompletedAt = at, LatencyMs = Math.Exp(6 + random.NextDouble() * 2),
                Status = random.Next(50) == 0 ? InferenceStatuses.UpstreamError : InferenceStatuses.Success,
                CacheStatus = random.Next(4) == 0 ? CacheStatuses.Hit : CacheStatuses.Miss,
            },
        };
    }
    return events;
}

/// <summary>The store's clock, moved by hand to the end of each simulated minute.</summary>
sealed class BenchClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
