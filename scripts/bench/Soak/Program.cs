// The six services as separate processes on the test RabbitMQ and PostgreSQL, under sustained gateway traffic for
// minutes: throughput, what the gateway adds over calling the simulator directly (side by side, one probe at a time),
// completion → trace readable, the evaluator's lag, queue depths, and every process's RSS over time. At the end it
// drains and checks that cost-accountant counted every request the gateway answered 200 (nothing confirmed lost).
// Run by hand: scripts/deps.sh start; eval "$(scripts/deps.sh env)";
//   dotnet run -c Release --project scripts/bench/Soak -- [minutes=10] [concurrency=8] [sample-seconds=15] [upstream-ttft-ms=20]
using System.Globalization;
using LlmOps.Testing;
using Soak;

var minutes = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 10;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
var sampleSeconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 15;
var ttftMs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 20;

// The in-process simulator logs every request at Information; the services themselves log at Warning (ServiceProcesses).
Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
Console.WriteLine($"soak: {minutes} min, {concurrency} concurrent clients, upstream time to first token {ttftMs} ms, "
    + $"{Environment.ProcessorCount} cores, {DateTime.UtcNow:u}");
await using var platform = await ServiceProcesses.StartAsync(ExtraEnvironment(Environment.GetEnvironmentVariable("SOAK_SERVICE_ENV")));
Console.WriteLine("six services ready: " + string.Join(", ", platform.All.Select(s => $"{s.Name} pid {s.ProcessId}")));

var projects = new List<Project>();
foreach (var name in new[] { "soak-a", "soak-b", "soak-c" })
{
    var (_, key) = await platform.CreateProjectWithKeyAsync(name + "-" + Guid.NewGuid().ToString("N")[..6]);
    projects.Add(new Project(name, key));
}
foreach (var project in projects)
    await platform.WaitForKeyAsync(project.Key);

var traffic = new Traffic(platform, projects, ttftMs);
using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
var load = Enumerable.Range(0, concurrency).Select(i => Task.Run(() => traffic.ClientAsync(i, stop.Token))).ToList();
var probe = Task.Run(() => traffic.ProbeAsync(stop.Token));

var sampler = new Sampler(platform, traffic);
var csv = Path.Combine(Path.GetTempPath(), $"llmops-soak-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv");
await sampler.RunAsync(TimeSpan.FromSeconds(sampleSeconds), csv, stop.Token);
await Task.WhenAll(load);
await probe;

Console.WriteLine();
sampler.PrintSummary();
Console.WriteLine($"samples: {csv}");
await new Drain(platform, projects, traffic).CheckAsync();

// SOAK_SERVICE_ENV="evaluator:DOTNET_GCHeapHardLimit=0xC800000;alerting:NAME=value": more settings for one service, e.g.
// a heap limit that tells a leak (out of memory) from a lazy collector (RSS that would have grown but need not).
static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? ExtraEnvironment(string? spec)
{
    if (string.IsNullOrWhiteSpace(spec))
        return null;
    var settings = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
    foreach (var part in spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        var service = part[..part.IndexOf(':')];
        var (name, value) = (part[(service.Length + 1)..part.IndexOf('=')], part[(part.IndexOf('=') + 1)..]);
        if (!settings.TryGetValue(service, out var forService))
            settings[service] = forService = new Dictionary<string, string>(StringComparer.Ordinal);
        forService[name] = value;
    }
    return settings.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, string>)p.Value);
}
