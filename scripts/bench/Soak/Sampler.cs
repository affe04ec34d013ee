using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace Soak;

/// <summary>Every interval: one row of throughput, latencies, lags, queue depths and each process's RSS, printed and kept.</summary>
public sealed class Sampler
{
    private readonly ServiceProcesses _platform;
    private readonly Traffic _traffic;
    private readonly List<Row> _rows = [];
    private readonly HttpClient _management;

    public Sampler(ServiceProcesses platform, Traffic traffic)
    {
        _platform = platform;
        _traffic = traffic;
        _management = Management();
    }

    private sealed record Row(double Minute, double RequestsPerSecond, long Failed, double LoadP50, double LoadP99, double AddedP50,
        double AddedP99, double VisibleP50, double VisibleP99, double EvaluatorLagP95, long EvaluatorBacklog, long QueuedMessages,
        string DeepestQueue, IReadOnlyDictionary<string, double> RssMb);

    public async Task RunAsync(TimeSpan interval, string csvPath, CancellationToken stop)
    {
        var started = DateTime.UtcNow;
        var lastOk = _traffic.Ok;
        var lastFailed = _traffic.Failed;
        var names = _platform.All.Select(s => s.Name).ToList();
        await File.WriteAllTextAsync(csvPath, "minute,rps,failed,load_p50_ms,load_p99_ms,added_p50_ms,added_p99_ms,visible_p50_ms,visible_p99_ms,"
            + "evaluator_lag_p95_ms,evaluator_backlog,queued," + string.Join(',', names.Select(n => "rss_mb_" + n)) + "\n", CancellationToken.None);
        Console.WriteLine($"{"min",5} {"req/s",7} {"fail",5} {"load p50/p99 ms",16} {"added p50/p99",14} {"trace vis p50/p99",18} "
            + $"{"eval lag p95",12} {"backlog",7} {"queued",7}  RSS MB ({string.Join(' ', names.Select(Short))})");
        var last = DateTime.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException)
            {
            }
            var now = DateTime.UtcNow;
            var ok = _traffic.Ok;
            var failed = _traffic.Failed;
            var load = Drain(_traffic.LoadLatencies);
            var probes = new List<(double Direct, double Proxy)>();
            while (_traffic.ProbeLatencies.TryDequeue(out var probe))
                probes.Add(probe);
            var added = probes.Select(p => p.Proxy - p.Direct).ToList();
            var visible = Drain(_traffic.TraceVisibleMs);
            var (lag, backlog) = await EvaluatorAsync();
            var (queued, deepest) = await QueuesAsync();
            var rss = _platform.All.ToDictionary(s => s.Name, s => RssMb(s.ProcessId));

            var row = new Row((now - started).TotalMinutes, (ok - lastOk) / (now - last).TotalSeconds, failed - lastFailed,
                P(load, 0.5), P(load, 0.99), P(added, 0.5), P(added, 0.99), P(visible, 0.5), P(visible, 0.99), lag, backlog, queued, deepest, rss);
            _rows.Add(row);
            (lastOk, lastFailed, last) = (ok, failed, now);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Minute,5:0.0} {row.RequestsPerSecond,7:0} {row.Failed,5} {row.LoadP50,7:0.0}/{row.LoadP99,-8:0.0} {row.AddedP50,6:0.0}/{row.AddedP99,-7:0.0} "
                + $"{row.VisibleP50,8:0}/{row.VisibleP99,-9:0} {row.EvaluatorLagP95,12:0} {row.EvaluatorBacklog,7} {row.QueuedMessages,7}  "
                + $"{string.Join(' ', names.Select(n => rss[n].ToString("0", CultureInfo.InvariantCulture)))}"));
            await File.AppendAllTextAsync(csvPath, string.Create(CultureInfo.InvariantCulture,
                $"{row.Minute:0.00},{row.RequestsPerSecond:0},{row.Failed},{row.LoadP50:0.0},{row.LoadP99:0.0},{row.AddedP50:0.0},{row.AddedP99:0.0},"
                + $"{row.VisibleP50:0},{row.VisibleP99:0},{row.EvaluatorLagP95:0},{row.EvaluatorBacklog},{row.QueuedMessages},"
                + $"{string.Join(',', names.Select(n => rss[n].ToString("0", CultureInfo.InvariantCulture)))}\n"), CancellationToken.None);
        }
    }

    public void PrintSummary()
    {
        if (_rows.Count < 3)
        {
            Console.WriteLine("too few samples for a summary");
            return;
        }
        // The first samples are warm-up (JIT, pools, caches); RSS growth is judged from the second sample on.
        var steady = _rows.Skip(1).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"requests answered 200: {_traffic.Ok}, failed: {_traffic.Failed}; steady req/s median {Median(steady.Select(r => r.RequestsPerSecond))}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gateway adds (median of interval p50 / worst interval p99): {Median(steady.Select(r => r.AddedP50)):0.0} / {steady.Max(r => r.AddedP99):0.0} ms; "
            + $"trace readable after: {Median(steady.Select(r => r.VisibleP50)):0} / {steady.Max(r => r.VisibleP99):0} ms; "
            + $"evaluator lag p95 worst interval: {steady.Max(r => r.EvaluatorLagP95):0} ms; most messages queued: {steady.Max(r => r.QueuedMessages)} "
            + $"({steady.MaxBy(r => r.QueuedMessages)!.DeepestQueue})"));
        Console.WriteLine("RSS MB per process: first steady sample → last, max, and least-squares slope over the steady samples");
        foreach (var name in steady[0].RssMb.Keys)
        {
            var points = steady.Select(r => (X: r.Minute, Y: r.RssMb[name])).ToList();
            var meanX = points.Average(p => p.X);
            var meanY = points.Average(p => p.Y);
            var slope = points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / Math.Max(1e-9, points.Sum(p => (p.X - meanX) * (p.X - meanX)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-16} {points[0].Y,6:0} → {points[^1].Y,6:0}  max {points.Max(p => p.Y),6:0}  slope {slope,6:+0.0;-0.0} MB/min"));
        }
        var errors = _traffic.Errors.GroupBy(e => e.Length > 120 ? e[..120] : e).OrderByDescending(g => g.Count()).Take(5).ToList();
        foreach (var error in errors)
            Console.WriteLine($"  error ×{error.Count()}: {error.Key}");
    }

    private async Task<(double LagP95, long Backlog)> EvaluatorAsync()
    {
        try
        {
            using var client = _platform.Admin(ServiceProcesses.Evaluator);
            var status = JsonNode.Parse(await client.GetStringAsync("/api/evaluators/status"))!;
            var online = status["online"] ?? status;
            return (online["lagMs"]?["p95"]?.GetValue<double>() ?? 0, online["backlog"]?.GetValue<long>() ?? 0);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (double.NaN, -1);
        }
    }

    private async Task<(long Total, string Deepest)> QueuesAsync()
    {
        try
        {
            var queues = JsonNode.Parse(await _management.GetStringAsync($"api/queues/{_platform.VirtualHost}?columns=name,messages"))!.AsArray();
            var depths = queues.Select(q => (Name: q!["name"]!.GetValue<string>(), Messages: q["messages"]?.GetValue<long>() ?? 0)).ToList();
            var deepest = depths.MaxBy(d => d.Messages);
            return (depths.Sum(d => d.Messages), deepest.Messages > 0 ? $"{deepest.Name} {deepest.Messages}" : "-");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (-1, ex.Message);
        }
    }

    private static double RssMb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    internal static HttpClient Management()
    {
        var client = new HttpClient
        {
            BaseAddress = new Uri($"http://{TestInfrastructure.RabbitMqHost}:{TestInfrastructure.RabbitMqManagementPort}/"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        return client;
    }

    private static string Short(string name) => string.Concat(name.Split('-').Select(part => part[0]));

    private static List<double> Drain(System.Collections.Concurrent.ConcurrentQueue<double> queue)
    {
        var values = new List<double>();
        while (queue.TryDequeue(out var value))
            values.Add(value);
        return values;
    }

    private static double P(List<double> values, double q)
    {
        if (values.Count == 0)
            return double.NaN;
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(q * values.Count) - 1)];
    }

    private static double Median(IEnumerable<double> values) => P(values.Where(v => !double.IsNaN(v)).ToList(), 0.5);
}
