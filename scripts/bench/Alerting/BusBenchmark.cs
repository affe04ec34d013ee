using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmOps.Alerting;
using LlmOps.Alerting.Features.Engine;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Issue #8's goals over the real path: alerting hosted as the integration tests host it (RabbitMQ, PostgreSQL, rules at
/// <c>interval: 1s</c>, <c>group_wait: 0s</c>, a PagerDuty receiver pointed at a local <see cref="PageReceiver"/>), fed by
/// a second host with its own bus, publishing the producers' batch messages at a steady rate. Measures the events/s
/// published and consumed, the backlog at the end, and breach → page: the publish of the one message that makes a rule's
/// condition true → the PagerDuty request arriving, first on a quiet bus, then under the stream.
/// </summary>
internal static class BusBenchmark
{
    private const string RoutingKeyEnv = "LLMOPS_BENCH_PD_ROUTING_KEY";
    private const int Breaches = 5;

    // The two breach rules, and two more over the background so the engine does realistic work every second.
    private const string Rules = """
        groups:
          - name: bench
            interval: 1s
            rules:
              - name: hallucination_rate
                metric: { name: score_rate, window: 5m, score: hallucination, label: hallucinated, by: [project] }
                condition: { wilson: { threshold: 0.05, min_samples: 100, confidence: 0.95 } }
                labels: { severity: critical, team: ml }
                annotations: { summary: "Hallucination rate in {{ $labels.project }} is {{ $value | percent }}" }
              - name: cost_burst
                metric: { name: cost, window: 2m, by: [project] }
                condition: { threshold: { op: ">", value: 500 } }
                labels: { severity: critical, team: platform }
                annotations: { summary: "${{ $value | humanize }} in {{ $labels.project }} within two minutes" }
              - name: latency_p95
                metric: { name: latency_p95, window: 5m, by: [project, model] }
                condition: { threshold: { op: ">", value: 10000 } }
                labels: { severity: warning, team: platform }
                annotations: { summary: "p95 of {{ $labels.model }} in {{ $labels.project }} is {{ $value }} ms" }
              - name: error_rate
                metric: { name: error_rate, window: 5m, by: [project, model] }
                condition: { threshold: { op: ">", value: 0.2 } }
                labels: { severity: warning, team: platform }
                annotations: { summary: "{{ $value | percent }} of calls to {{ $labels.model }} fail in {{ $labels.project }}" }
        """;

    public static async Task RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        var rate = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
        var tickMs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        var inflight = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 16;
        Environment.SetEnvironmentVariable(RoutingKeyEnv, "BENCHROUTINGKEY00000000000000000");
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning"); // the page receiver's request log
        using var consumed = new ConsumedEvents();

        var vhost = await TestInfrastructure.CreateVirtualHostAsync();
        var rulesPath = Path.Combine(Path.GetTempPath(), "llmops-bench", Guid.NewGuid().ToString("N") + ".yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(rulesPath)!);
        await File.WriteAllTextAsync(rulesPath, Rules);
        await using var pages = await PageReceiver.StartAsync();

        var settings = TestInfrastructure.RabbitMqSettings(vhost);
        foreach (var (key, value) in TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync("alerting-bench")))
            settings[key] = value;
        settings["Alerting:Engine:RulesFile"] = rulesPath;
        settings["Alerting:Engine:TickMs"] = tickMs.ToString(CultureInfo.InvariantCulture);
        settings["Alerting:Receivers:pager:PagerDuty:RoutingKeyEnv"] = RoutingKeyEnv;
        settings["Alerting:Receivers:pager:PagerDuty:BaseUrl"] = pages.BaseAddress.ToString().TrimEnd('/');
        settings["Alerting:Route:Receiver"] = "pager";
        settings["Alerting:Route:GroupWait"] = "0s";
        settings["Serilog:MinimumLevel:Default"] = "Error"; // every page is a Warning line
        await using var alerting = await TestHost.StartAsync(b => { b.AddServiceDefaults(AlertingExtensions.ServiceName); b.AddAlerting(); },
            a => { a.MapDefaultEndpoints(); a.MapAlertingEndpoints(); }, settings);

        // The producers' side: its own host and bus (connection, confirms, serialization), nothing consumed.
        var producerSettings = TestInfrastructure.RabbitMqSettings(vhost);
        producerSettings["Serilog:MinimumLevel:Default"] = "Error"; // it asks for a key snapshot nobody here answers
        producerSettings["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-bench", "producer-" + Guid.NewGuid().ToString("N")[..8]);
        await using var producer = await TestHost.StartAsync(b => b.AddServiceDefaults("bench-producer"), a => a.MapDefaultEndpoints(), producerSettings);
        foreach (var host in new[] { alerting, producer })
        {
            using var probe = host.CreateClient(bearerKey: null);
            await Eventually.TrueAsync(async () => (await probe.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "readiness");
        }
        var bus = producer.Services.GetRequiredService<IBus>();
        using var watch = new PageWatch(pages);
        using var evaluations = new EvaluationWatch(alerting.Services.GetRequiredService<AlertEngine>());
        long injected = 0;

        async Task<double> BreachAsync(string project, int index)
        {
            object message = index % 2 == 0 ? Traffic.HallucinationBurst(project) : Traffic.CostBurst(project);
            var sent = Stopwatch.GetTimestamp();
            await Publish(bus, message);
            Interlocked.Add(ref injected, Traffic.EventsPerMessage);
            var paged = await watch.WaitAsync(project, TimeSpan.FromSeconds(60));
            return Stopwatch.GetElapsedTime(sent, paged).TotalMilliseconds;
        }

        // Warm-up: JIT of the consume, evaluate, deliver paths, and a first page.
        await StreamAsync(bus, rate, TimeSpan.FromSeconds(3), inflight);
        await BreachAsync("warmup-0", 0);
        await BreachAsync("warmup-1", 1);

        var quiet = new List<double>();
        var quietFrom = evaluations.Gaps().Count;
        for (var i = 0; i < Breaches; i++)
        {
            await Task.Delay(Random.Shared.Next(300, 1_300)); // a different phase against the engine's tick each time
            quiet.Add(await BreachAsync($"quiet-{i}", i));
        }

        await WaitDrainedAsync(consumed, () => Published + Interlocked.Read(ref injected), TimeSpan.FromSeconds(60));
        var before = consumed.Total;
        var publishedBefore = Published;
        var injectedBefore = Interlocked.Read(ref injected);
        var duration = TimeSpan.FromSeconds(seconds);
        var quietEvaluations = evaluations.Gaps()[quietFrom..];
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var underLoad = Enumerable.Range(0, Breaches).Select(async i =>
        {
            await Task.Delay(duration * (i + 1) / (Breaches + 1) + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 700)));
            return await BreachAsync($"load-{i}", i);
        }).ToList();
        var progress = Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                await Task.Delay(5_000);
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds,5:F1} s: published {Published - publishedBefore,10:N0}, consumed {consumed.Total - before,10:N0}");
            }
        });
        var streamed = await StreamAsync(bus, rate, duration, inflight);
        var publishedFor = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        // The breaches' own events went through the same queues: counted out, so both sides are the stream alone.
        var consumedAtEnd = consumed.Total - before - (Interlocked.Read(ref injected) - injectedBefore);
        var depthAtEnd = await QueueDepthAsync(vhost);
        var target = Published + Interlocked.Read(ref injected);
        var drained = await WaitDrainedAsync(consumed, () => Published + Interlocked.Read(ref injected), TimeSpan.FromSeconds(120));
        var drainTime = clock.Elapsed - publishedFor;
        var load = (await Task.WhenAll(underLoad)).ToList();
        var loadEvaluations = evaluations.Gaps()[(quietFrom + quietEvaluations.Count)..];
        await progress;
        await Task.Delay(TimeSpan.FromSeconds(6)); // the management API's figures are up to 5 s old
        var depthAfter = await QueueDepthAsync(vhost);

        Console.WriteLine();
        Console.WriteLine($"alerting over RabbitMQ + PostgreSQL, TickMs {tickMs}, group_wait 0s, rules at 1s; {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| target | {rate:N0} events/s for {seconds} s ({rate / Traffic.EventsPerMessage:N0} batch messages/s of {Traffic.EventsPerMessage}, at most {inflight} awaiting confirms) |");
        Console.WriteLine($"| published (confirmed) | {streamed:N0} events in {publishedFor.TotalSeconds:F1} s = **{streamed / publishedFor.TotalSeconds:N0} events/s** |");
        Console.WriteLine($"| consumed by alerting while publishing | {consumedAtEnd:N0} events = **{consumedAtEnd / publishedFor.TotalSeconds:N0} events/s** ({100.0 * consumedAtEnd / Math.Max(1, streamed):F1} % of published) |");
        Console.WriteLine($"| backlog when publishing stopped | {streamed - consumedAtEnd:N0} events; alerting queues {depthAtEnd} messages (management API, refreshed every 5 s) |");
        Console.WriteLine($"| drained | {(drained ? $"all {target:N0} consumed {drainTime.TotalSeconds:F1} s after the end" : $"NOT within 120 s ({consumed.Total:N0} of {target:N0})")}; queues {depthAfter} messages 6 s later; duplicates {consumed.Duplicates:N0} |");
        Console.WriteLine($"| breach → page, quiet bus ({Breaches}) | p50 **{Percentile(quiet, 50):N0} ms**, max {quiet.Max():N0} ms ({string.Join(", ", quiet.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))}) |");
        Console.WriteLine($"| breach → page, under the stream ({Breaches}) | p50 **{Percentile(load, 50):N0} ms**, max {load.Max():N0} ms ({string.Join(", ", load.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))}) |");
        Console.WriteLine($"| time between evaluations of a 1s rule, quiet / under the stream | p50 {Percentile(quietEvaluations, 50):N0} ms, max {quietEvaluations.Max():N0} ms / p50 {Percentile(loadEvaluations, 50):N0} ms, max {loadEvaluations.Max():N0} ms; over 1.5 s: {quietEvaluations.Count(g => g > 1_500)} of {quietEvaluations.Count} / {loadEvaluations.Count(g => g > 1_500)} of {loadEvaluations.Count} |");
        Console.WriteLine($"| CPU of this process while publishing | {cpu.TotalSeconds / publishedFor.TotalSeconds:F2} of {Environment.ProcessorCount} cores (alerting and the producer together; RabbitMQ and PostgreSQL beside them) |");
        await TestInfrastructure.DeleteVirtualHostAsync(vhost);
    }

    private static long _published;

    private static long Published => Interlocked.Read(ref _published);

    private static async Task Publish(IBus bus, object message)
    {
        switch (message)
        {
            case LlmOps.Contracts.Cost.CostRecordedBatch costs: await bus.Publish(costs); break;
            case LlmOps.Contracts.Evaluation.ScoreRecordedBatch scores: await bus.Publish(scores); break;
            case LlmOps.Contracts.Inference.InferenceCompletedBatch inferences: await bus.Publish(inferences); break;
        }
    }

    /// <summary>A steady stream: every 5 ms the messages due by now are built and published, at most <paramref name="limit"/> awaiting their confirm.</summary>
    private static async Task<long> StreamAsync(IBus bus, int rate, TimeSpan duration, int limit)
    {
        var perSecond = rate / (double)Traffic.EventsPerMessage;
        using var inflight = new SemaphoreSlim(limit);
        var pending = new List<Task>();
        long sequence = 0, confirmed = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * perSecond);
            while (sequence < due && clock.Elapsed < duration)
            {
                await inflight.WaitAsync();
                var message = Traffic.Message(sequence++);
                pending.Add(Task.Run(async () =>
                {
                    try
                    {
                        await Publish(bus, message);
                        Interlocked.Add(ref confirmed, Traffic.EventsPerMessage);
                        Interlocked.Add(ref _published, Traffic.EventsPerMessage);
                    }
                    finally
                    {
                        inflight.Release();
                    }
                }));
            }
            await Task.Delay(5);
        }
        await Task.WhenAll(pending);
        return confirmed;
    }

    private static async Task<bool> WaitDrainedAsync(ConsumedEvents consumed, Func<long> target, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (consumed.Total < target())
        {
            if (clock.Elapsed > timeout)
                return false;
            await Task.Delay(20);
        }
        return true;
    }

    /// <summary>Messages ready or unacknowledged in the alerting queues (and how many sit in error queues, if any).</summary>
    private static async Task<string> QueueDepthAsync(string vhost)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://{TestInfrastructure.RabbitMqHost}:{TestInfrastructure.RabbitMqManagementPort}/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        using var queues = JsonDocument.Parse(await client.GetStringAsync($"api/queues/{Uri.EscapeDataString(vhost)}?columns=name,messages"));
        long depth = 0, errors = 0;
        foreach (var queue in queues.RootElement.EnumerateArray())
        {
            var name = queue.GetProperty("name").GetString()!;
            var messages = queue.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 0;
            if (name.EndsWith("_error", StringComparison.Ordinal))
                errors += messages;
            else if (name.StartsWith("alerting-", StringComparison.Ordinal))
                depth += messages;
        }
        return errors > 0 ? $"{depth:N0} ({errors:N0} in error queues)" : depth.ToString("N0", CultureInfo.InvariantCulture);
    }

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
