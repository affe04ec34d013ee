// The evaluator's speed goals (issue #7), against the test RabbitMQ and PostgreSQL (start them first: scripts/deps.sh start):
//   1. the check-type evaluators alone, one thread: traces/s through json_valid, json_schema, required_entities, regex,
//      length, refusal, pii_leak and language (and, separately, the lexical RAG triad);
//   2. the online path: TraceCompletedBatch (100 traces each, as trace-collector publishes) on RabbitMQ, drained by the evaluator (batches, the checks, the window and
//      trace rows on PostgreSQL, ScoreRecordedBatch confirmed) → traces/s;
//   3. loop latency: from the moment the last score a diagnosis needs is recorded to the action on the bus.
//   4. (backlog > 0) the evaluator's own capacity: `backlog` traces queued while its bus is stopped, then drained and
//      timed from the first trace evaluated to the last, after one unreported drain of the same size (so the measured
//      one runs on code the runtime has finished tiering up), without the benchmark's publisher on the cores.
//   dotnet run -c Release --project scripts/bench/Evaluator -- [traces=20000] [backlog=0]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using LlmOps.Contracts.Actions;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator;
using LlmOps.Evaluator.Features.Configuration;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Features.Online;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var backlog = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
var random = new Random(7);
var answers = new[]
{
    """{"order":42,"status":"shipped","items":[{"sku":"A-1","qty":2}]}""",
    "I'm sorry, but I can't help with that request.",
    "Your order 42 shipped yesterday and should arrive within three business days. Contact support@example.com for changes.",
    "Der Versand dauert in der Regel drei bis fünf Werktage, Expresssendungen kommen am nächsten Tag an.",
};
var document = "Standard shipping takes three to five business days. Express shipping arrives the next business day. Orders ship from Lisbon.";
TraceCompleted MakeTrace(int i, string project) => new()
{
    TraceId = Guid.NewGuid().ToString("N"),
    ProjectId = project,
    PromptName = "orders",
    PromptVersion = 1 + i % 3,
    Model = "gpt-x",
    Question = $"When will order {i} arrive with express shipping?",
    Answer = answers[random.Next(answers.Length)],
    RetrievedDocuments = [new RetrievedDocument { Content = document }],
    Status = "ok",
    StartedAt = DateTimeOffset.UtcNow.AddSeconds(-1),
    CompletedAt = DateTimeOffset.UtcNow,
};

// 1. The checks alone.
var checks = new (string Kind, string? Settings)[]
{
    ("json_valid", null), ("json_schema", """{"schema":{"type":"object","required":["order","status"],"properties":{"order":{"type":"integer"},"status":{"enum":["shipped","pending"]}}}}"""),
    ("required_entities", """{"entities":["order"]}"""), ("regex", """{"pattern":"\\b\\d{2,}\\b"}"""), ("length", """{"maxWords":200}"""),
    ("refusal", null), ("pii_leak", null), ("language", """{"expected":"en"}"""),
};
var compiled = checks.Select(c => (c.Kind, Settings: EvaluatorKinds.Compile(c.Kind, c.Settings is null ? null : JsonDocument.Parse(c.Settings).RootElement).Settings!)).ToList();
var sample = Enumerable.Range(0, count).Select(i => MakeTrace(i, "bench")).ToList();
Measure("8 checks", compiled);
Measure("RAG triad (lexical)", [.. new[] { "context_relevance", "faithfulness", "answer_relevance" }.Select(k => (k, EvaluatorKinds.Compile(k, null).Settings!))]);

void Measure(string what, List<(string Kind, CheckSettings Settings)> evaluators)
{
    foreach (var trace in sample.Take(500))
        foreach (var (kind, settings) in evaluators)
            CheckRunner.Run(kind, settings, trace, 32_000);
    var clock = Stopwatch.StartNew();
    var outcomes = 0;
    foreach (var trace in sample)
        foreach (var (kind, settings) in evaluators)
            outcomes += CheckRunner.Run(kind, settings, trace, 32_000).Value is null ? 0 : 1;
    Console.WriteLine($"{what,-22} one thread: {count / clock.Elapsed.TotalSeconds,10:N0} traces/s ({outcomes:N0} values)");
}

// 2. The online path on RabbitMQ + PostgreSQL.
var database = await TestInfrastructure.CreateDatabaseAsync("evaluator-bench");
var vhost = await TestInfrastructure.CreateVirtualHostAsync();
var settings = TestInfrastructure.RabbitMqSettings(vhost);
foreach (var (key, value) in TestInfrastructure.PostgresSettings(database))
    settings[key] = value;
settings["Serilog:MinimumLevel:Default"] = "Warning";
settings["Evaluator:Loop:CooldownMinutes"] = "1";
var captured = new MessageCapture<OptimizationActionProposed>();
await using var host = await TestHost.StartAsync(
    builder =>
    {
        builder.AddServiceDefaults("evaluator-bench");
        builder.AddEvaluator();
        builder.Services.AddSingleton(captured);
        builder.AddServiceConsumer<CaptureConsumer<OptimizationActionProposed>>("bench");
    },
    app =>
    {
        app.MapDefaultEndpoints();
        app.MapEvaluatorEndpoints();
    },
    settings);
using (var probe = host.CreateClient())
{
    while (!(await probe.GetAsync("/health/ready")).IsSuccessStatusCode)
        await Task.Delay(100);
    foreach (var (kind, json) in checks)
    {
        (await probe.PostAsJsonAsync("/api/evaluators?projectId=bench", new
        {
            name = kind.Replace('_', '-'), kind, settings = json is null ? (JsonElement?)null : JsonDocument.Parse(json).RootElement,
        })).EnsureSuccessStatusCode();
    }
}
// 2a. The evaluation itself in batches of 200 (checks, trace rows and the loop window on PostgreSQL), no bus.
var scopes = host.Services.GetRequiredService<IServiceScopeFactory>();
// CPU time of this process (evaluator, bus client and publisher) per 1,000 traces: steadier than traces/s on a shared machine.
var process = Process.GetCurrentProcess();
TimeSpan Cpu() { process.Refresh(); return process.TotalProcessorTime; }
var directCpu = Cpu();
var direct = Stopwatch.StartNew();
var scored = 0;
foreach (var batch in Enumerable.Range(0, count).Select(i => MakeTrace(i, "bench")).Chunk(200))
{
    await using var scope = scopes.CreateAsyncScope();
    scored += (await scope.ServiceProvider.GetRequiredService<OnlineEvaluation>().EvaluateAsync(batch, CancellationToken.None)).Evaluated;
}
Console.WriteLine($"evaluation, no bus    : {scored / direct.Elapsed.TotalSeconds,10:N0} traces/s (8 checks each, stored on PostgreSQL, one batch at a time; "
                  + $"{(Cpu() - directCpu).TotalMilliseconds * 1000 / scored:N0} ms CPU per 1,000 traces)");

var progress = host.Services.GetRequiredKeyedService<EvaluationProgress>(EvaluationProgress.LexicalLane);
long Done() => JsonSerializer.SerializeToElement(progress.Snapshot()).GetProperty("evaluated").GetInt64();
var bus = host.Services.GetRequiredService<IBus>();
var onlineCpu = Cpu();
var online = Stopwatch.StartNew();
// As trace-collector publishes them: 100 finished traces per message.
await Parallel.ForEachAsync(sample.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 8 },
    async (chunk, ct) => await bus.Publish(new TraceCompletedBatch { Traces = chunk }, ct));
var published = online.Elapsed;
while (Done() < count)
    await Task.Delay(20);
Console.WriteLine($"online path           : {count / online.Elapsed.TotalSeconds,10:N0} traces/s end to end "
                  + $"(published in {published.TotalSeconds:0.0} s = {count / published.TotalSeconds:N0}/s; all scored after {online.Elapsed.TotalSeconds:0.0} s; "
                  + $"{(Cpu() - onlineCpu).TotalMilliseconds * 1000 / count:N0} ms CPU per 1,000 traces)");

// 4. The evaluator draining a backlog, after a warm-up drain.
await using var sql = Npgsql.NpgsqlDataSource.Create(database);
async Task<long> DriftRowsAsync()
{
    await using var command = sql.CreateCommand("select count(*) from evaluator.drift_observations");
    return (long)(await command.ExecuteScalarAsync())!;
}
for (var round = backlog > 0 ? -1 : 0; backlog > 0 && round <= 0; round++)
{
    var label = round < 0 ? "backlog (warm-up)     " : "backlog               ";
    var queued = await Backlog.QueueAsync(host, vhost, Enumerable.Range(0, backlog).Select(i => MakeTrace(i, "bench")).Chunk(100)
        .Select(chunk => new TraceCompletedBatch { Traces = chunk }));
    var start = Done();
    var driftStart = await DriftRowsAsync();
    await Backlog.DrainAsync(host);
    long first;
    while ((first = Done()) == start)
        await Task.Delay(5);
    var drainCpu = Cpu();
    var drain = Stopwatch.StartNew();
    long now;
    while ((now = Done()) < start + backlog)
        await Task.Delay(20);
    Console.WriteLine($"{label}: {(now - first) / drain.Elapsed.TotalSeconds,10:N0} traces/s ({backlog:N0} queued in {queued.TotalSeconds:0.0} s with the bus stopped, " +
                      $"{now - first:N0} evaluated in {drain.Elapsed.TotalSeconds:0.0} s after the first; " +
                      $"{(Cpu() - drainCpu).TotalMilliseconds * 1000 / (now - first):N0} ms CPU per 1,000 traces)");
    // Drift's lane reads every trace too (one row per trace in drift_observations): it must have kept up as well.
    var checksDone = drain.Elapsed;
    while (await DriftRowsAsync() < driftStart + backlog)
        await Task.Delay(50);
    Console.WriteLine($"{label}: drift's lane had recorded every trace at {drain.Elapsed.TotalSeconds:0.0} s (the checks at {checksDone.TotalSeconds:0.0} s)");
}

// 3. Loop latency: v1 fine, then v2 breaking JSON; the clock starts when the score that tips the diagnosis is recorded.
var loopScores = scopes;
var latencies = new List<double>();
for (var round = 0; round < 5; round++)
{
    var project = $"loop-{round}";
    var scores = new List<LlmOps.Contracts.Evaluation.ScoreRecorded>();
    for (var i = 0; i < 60; i++)
        scores.Add(Score(project, 1, pass: true));
    await RecordAsync(scores);
    await Task.Delay(500);
    var before = captured.Messages.Count;
    var broken = Enumerable.Range(0, 40).Select(i => Score(project, 2, pass: i % 2 == 0)).ToList();
    var clock = Stopwatch.StartNew();
    await RecordAsync(broken);
    while (captured.Messages.Count == before)
        await Task.Delay(5);
    latencies.Add(clock.Elapsed.TotalMilliseconds);
}
Console.WriteLine($"loop latency          : last score → action on the bus: {string.Join(", ", latencies.Select(l => $"{l:N0}"))} ms");

async Task RecordAsync(List<LlmOps.Contracts.Evaluation.ScoreRecorded> scores)
{
    await using var scope = loopScores.CreateAsyncScope();
    await scope.ServiceProvider.GetRequiredService<LoopScores>().RecordAsync(scores, CancellationToken.None);
}

static LlmOps.Contracts.Evaluation.ScoreRecorded Score(string project, int version, bool pass) => new()
{
    ScoreId = Guid.NewGuid(), ProjectId = project, TraceId = Guid.NewGuid().ToString("N"), Name = ScoreNames.JsonValid, DataType = "boolean",
    Value = pass ? 1 : 0, Source = "eval", PromptName = "orders", PromptVersion = version, Model = "gpt-x", RecordedAt = DateTimeOffset.UtcNow,
};
await TestInfrastructure.DeleteVirtualHostAsync(vhost);
