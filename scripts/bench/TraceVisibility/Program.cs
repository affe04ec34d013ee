// Embedded platform, end to end, one request at a time: how long after a chat completion returns is its trace
// readable through GET /api/traces/{id}? And, side by side in the same run, what the gateway adds over calling the
// (mounted) simulator directly. Prints percentiles; see docs/performance.md.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LlmOps.Testing;

var requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
var directory = Path.Combine(Path.GetTempPath(), "llmops-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(directory);
await using var platform = await PlatformProcess.StartAsync(directory, new Dictionary<string, string>
{
    // Per-request log lines would measure the console, not the platform.
    ["Serilog__MinimumLevel__Override__LlmOps.ServiceDefaults.Logging"] = "Warning",
});
var key = platform.PrintedAdminKey() ?? throw new InvalidOperationException("no admin key printed");
using var client = new HttpClient { BaseAddress = platform.BaseAddress };
client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

const string Body = """{"model":"sim-small","messages":[{"role":"user","content":"Benchmark request [[sim:tokens=20]]"}]}""";
StringContent Content() => new(Body, Encoding.UTF8, "application/json");

var visibility = new List<double>();
var throughProxy = new List<double>();
var direct = new List<double>();
var overhead = new List<double>();
for (var i = -20; i < requests; i++)
{
    var clock = Stopwatch.StartNew();
    var response = await client.PostAsync("/simulator/v1/chat/completions", Content());
    response.EnsureSuccessStatusCode();
    var directMs = clock.Elapsed.TotalMilliseconds;

    clock.Restart();
    response = await client.PostAsync("/v1/chat/completions", Content());
    response.EnsureSuccessStatusCode();
    await response.Content.ReadAsByteArrayAsync();
    var proxyMs = clock.Elapsed.TotalMilliseconds;
    var traceId = response.Headers.GetValues("x-llmops-trace-id").Single();
    var overheadMs = double.Parse(response.Headers.GetValues("x-llmops-overhead-ms").Single(), CultureInfo.InvariantCulture);

    clock.Restart();
    while ((await client.GetAsync($"/api/traces/{traceId}")).StatusCode != HttpStatusCode.OK)
    {
        if (clock.Elapsed > TimeSpan.FromSeconds(30))
            throw new TimeoutException($"trace {traceId} not visible after 30 s");
        await Task.Delay(1);
    }
    if (i < 0)
        continue; // warm-up
    visibility.Add(clock.Elapsed.TotalMilliseconds);
    throughProxy.Add(proxyMs);
    direct.Add(directMs);
    overhead.Add(overheadMs);
}
await platform.StopAsync();

static string Percentiles(List<double> values)
{
    values.Sort();
    double P(double p) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
    return $"p50 {P(0.50),7:0.00}  p95 {P(0.95),7:0.00}  p99 {P(0.99),7:0.00}  max {values[^1],7:0.00}";
}

Console.WriteLine($"embedded platform, {requests} sequential requests after 20 warm-up, {Environment.ProcessorCount} cores, {DateTime.UtcNow:u}");
Console.WriteLine($"completion returned -> trace readable (ms)   {Percentiles(visibility)}");
Console.WriteLine($"chat via gateway, end to end (ms)           {Percentiles(throughProxy)}");
Console.WriteLine($"chat direct to simulator (ms)               {Percentiles(direct)}");
Console.WriteLine($"gateway's own overhead header (ms)          {Percentiles(overhead)}");
