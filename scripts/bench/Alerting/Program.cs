// The alerting metric store in process: N mixed events (a third each costs, scores, inferences; 50 projects × 5 models,
// a few features and prompts) recorded from two threads, stamped over the last hour, then Observe timed for the five
// default rules at that cardinality, and the snapshot's JSON size.
//   dotnet run -c Release --project scripts/bench/Alerting -- [events=3000000] [threads=2]
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

var total = args.Length > 0 ? int.Parse(args[0]) : 3_000_000;
var threads = args.Length > 1 ? int.Parse(args[1]) : 2;
var now = DateTimeOffset.UtcNow;
var store = new MetricStore(TimeProvider.System, Options.Create(new MetricsOptions { DedupCapacity = 400_000 }));
string[] projects = [.. Enumerable.Range(0, 50).Select(i => $"project-{i}")];
string[] models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "llama-70b", "mistral-large"];
string[] features = ["chat", "search", "summary"];

// Events are built before the clock starts: the store is measured, not the allocation of test messages.
var work = Enumerable.Range(0, threads).Select(t =>
{
    var random = new Random(t);
    var events = new object[total / threads];
    for (var i = 0; i < events.Length; i++)
    {
        var at = now - TimeSpan.FromMilliseconds(random.Next(0, 3_600_000));
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
}).ToList();

var clock = Stopwatch.StartNew();
Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = threads }, events =>
{
    foreach (var e in events)
        switch (e)
        {
            case CostRecorded c: store.Record(c); break;
            case ScoreRecorded s: store.Record(s); break;
            case InferenceCompleted i: store.Record(i); break;
        }
});
clock.Stop();
var recorded = work.Sum(w => w.Length);
work.Clear(); // the prepared messages are not the store's memory
Console.WriteLine($"record: {recorded:N0} events from {threads} threads in {clock.Elapsed.TotalSeconds:F2} s = {recorded / clock.Elapsed.TotalSeconds:N0} events/s");
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

var snapshotClock = Stopwatch.StartNew();
var json = JsonSerializer.SerializeToUtf8Bytes(store.Snapshot());
Console.WriteLine($"snapshot: {json.Length / 1e6:N1} MB of JSON in {snapshotClock.Elapsed.TotalMilliseconds:F0} ms");
