using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LlmOps.Testing;

namespace Soak;

public sealed record Project(string Name, string Key)
{
    public long Ok;
    public long Failed;
}

/// <summary>
/// The load: closed-loop clients through the gateway (three projects, two models, three features, every fourth
/// request streamed), and one probe that alternates a direct simulator call with the same call through the gateway and
/// then times how long the trace takes to be readable. Everything measured lands in queues the sampler drains.
/// </summary>
public sealed class Traffic
{
    private static readonly string[] Features = ["search", "chat", "summarize"];
    private readonly ServiceProcesses _platform;
    private readonly IReadOnlyList<Project> _projects;
    private readonly int _ttftMs;
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };
    private long _sequence;

    public Traffic(ServiceProcesses platform, IReadOnlyList<Project> projects, int ttftMs)
    {
        _platform = platform;
        _projects = projects;
        _ttftMs = ttftMs;
    }

    public ConcurrentQueue<double> LoadLatencies { get; } = new();
    public ConcurrentQueue<(double Direct, double Proxy)> ProbeLatencies { get; } = new();
    public ConcurrentQueue<double> TraceVisibleMs { get; } = new();
    public ConcurrentQueue<string> Errors { get; } = new();
    public long Ok => _projects.Sum(p => Interlocked.Read(ref p.Ok));
    public long Failed => _projects.Sum(p => Interlocked.Read(ref p.Failed));

    private Uri Gateway => new(_platform[ServiceProcesses.InferenceProxy].BaseAddress, "v1/chat/completions");

    private HttpRequestMessage Chat(Uri target, Project project, bool stream, string? key)
    {
        var n = Interlocked.Increment(ref _sequence);
        var model = n % 3 == 0 ? "sim-large" : "sim-small";
        var body = $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Soak request {{n}} about the weekly report [[sim:tokens={{16 + n % 24}}]] [[sim:ttft-ms={{_ttftMs}}]]"}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("x-llmops-feature", Features[n % Features.Length]);
        return request;
    }

    public async Task ClientAsync(int index, CancellationToken stop)
    {
        var i = 0;
        while (!stop.IsCancellationRequested)
        {
            var project = _projects[(index + i) % _projects.Count];
            var stream = i++ % 4 == 3;
            var clock = Stopwatch.StartNew();
            try
            {
                using var response = await _http.SendAsync(Chat(Gateway, project, stream, project.Key), HttpCompletionOption.ResponseContentRead, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref project.Ok);
                    LoadLatencies.Enqueue(clock.Elapsed.TotalMilliseconds);
                }
                else
                {
                    Interlocked.Increment(ref project.Failed);
                    Errors.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref project.Failed);
                Errors.Enqueue(ex.GetType().Name + ": " + ex.Message);
            }
        }
    }

    /// <summary>One request at a time: direct, then through the gateway, then poll until the trace is readable.</summary>
    public async Task ProbeAsync(CancellationToken stop)
    {
        var project = _projects[0];
        var direct = new Uri(_platform.Simulator.BaseAddress, "v1/chat/completions");
        using var collector = _platform[ServiceProcesses.TraceCollector].CreateClient(project.Key);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var clock = Stopwatch.StartNew();
                using (var response = await _http.SendAsync(Chat(direct, project, false, null), CancellationToken.None))
                    response.EnsureSuccessStatusCode();
                var directMs = clock.Elapsed.TotalMilliseconds;

                clock.Restart();
                using var proxied = await _http.SendAsync(Chat(Gateway, project, false, project.Key), CancellationToken.None);
                if (proxied.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref project.Failed);
                    Errors.Enqueue($"probe {(int)proxied.StatusCode}");
                    continue;
                }
                Interlocked.Increment(ref project.Ok);
                ProbeLatencies.Enqueue((directMs, clock.Elapsed.TotalMilliseconds));

                var traceId = proxied.Headers.GetValues("x-llmops-trace-id").Single();
                clock.Restart();
                while ((await collector.GetAsync($"/api/traces/{traceId}", CancellationToken.None)).StatusCode != HttpStatusCode.OK)
                {
                    if (clock.Elapsed > TimeSpan.FromSeconds(60))
                    {
                        Errors.Enqueue($"trace {traceId} not readable after 60 s");
                        break;
                    }
                    await Task.Delay(5, CancellationToken.None);
                }
                TraceVisibleMs.Enqueue(clock.Elapsed.TotalMilliseconds);
                await Task.Delay(100, CancellationToken.None);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Errors.Enqueue("probe " + ex.Message);
            }
        }
    }
}
