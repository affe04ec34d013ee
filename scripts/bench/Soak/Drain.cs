using System.Globalization;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace Soak;

/// <summary>
/// After the load: wait until every queue is empty, then compare what each service counted with what the gateway
/// answered 200 — cost-accountant's requests and trace-collector's traces per project. A shortfall is a lost event.
/// </summary>
public sealed class Drain(ServiceProcesses platform, IReadOnlyList<Project> projects, Traffic traffic)
{
    public async Task CheckAsync()
    {
        using var management = Sampler.Management();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var emptyReads = 0;
        while (clock.Elapsed < TimeSpan.FromMinutes(3) && emptyReads < 3)
        {
            await Task.Delay(2000);
            var queues = JsonNode.Parse(await management.GetStringAsync($"api/queues/{platform.VirtualHost}?columns=name,messages"))!.AsArray();
            // _error and _skipped queues hold what failed; they are reported below, not waited for.
            var pending = queues.Where(q => !q!["name"]!.GetValue<string>().EndsWith("_error", StringComparison.Ordinal)
                                            && !q["name"]!.GetValue<string>().EndsWith("_skipped", StringComparison.Ordinal))
                .Sum(q => q!["messages"]?.GetValue<long>() ?? 0);
            emptyReads = pending == 0 ? emptyReads + 1 : 0;
        }
        Console.WriteLine($"queues drained {clock.Elapsed.TotalSeconds:0} s after the load stopped");
        // Trace completion waits for a quiet period after the last observation; costs are written per batch.
        await Task.Delay(TimeSpan.FromSeconds(10));

        var from = Uri.EscapeDataString(DateTime.UtcNow.AddDays(-1).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(DateTime.UtcNow.AddMinutes(5).ToString("O", CultureInfo.InvariantCulture));
        var lost = false;
        foreach (var project in projects)
        {
            using var costs = platform[ServiceProcesses.CostAccountant].CreateClient(project.Key);
            using var traces = platform[ServiceProcesses.TraceCollector].CreateClient(project.Key);
            var totals = JsonNode.Parse(await costs.GetStringAsync($"/api/costs?from={from}&to={to}"))!["totals"]!;
            var priced = totals["requests"]!.GetValue<long>();
            var stats = JsonNode.Parse(await traces.GetStringAsync($"/api/trace-stats?from={from}&to={to}&interval=day"))!;
            var traced = stats["data"]!.AsArray().Sum(b => b!["traces"]!.GetValue<long>());
            var ok = Interlocked.Read(ref project.Ok);
            Console.WriteLine($"  {project.Name}: gateway answered 200 {ok}, cost-accountant counted {priced}, trace-collector stored {traced} traces");
            lost |= priced < ok || traced < ok;
        }
        var errorQueues = JsonNode.Parse(await management.GetStringAsync($"api/queues/{platform.VirtualHost}?columns=name,messages"))!.AsArray()
            .Where(q => q!["name"]!.GetValue<string>().EndsWith("_error", StringComparison.Ordinal) && (q["messages"]?.GetValue<long>() ?? 0) > 0)
            .Select(q => $"{q!["name"]} {q["messages"]}").ToList();
        Console.WriteLine(errorQueues.Count == 0 ? "no message in any _error queue" : "error queues: " + string.Join(", ", errorQueues));
        Console.WriteLine(lost ? "LOST: a service counted fewer requests than the gateway answered" : "nothing lost");
        if (lost || traffic.Failed > 0)
            Environment.ExitCode = 1;
    }
}
