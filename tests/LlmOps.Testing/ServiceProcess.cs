using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;

namespace LlmOps.Testing;

/// <summary>
/// One service started from its build output as its own <c>dotnet LlmOps.&lt;Name&gt;.dll</c> process, as its container
/// runs it: working directory = the binary's folder, configuration only from environment variables.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int MaxKeptLines = 5_000;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Process _process;

    private ServiceProcess(string name, Process process, Uri baseAddress)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
    }

    /// <summary>The service's folder name under <c>services/</c>, e.g. <c>inference-proxy</c>.</summary>
    public string Name { get; }
    public Uri BaseAddress { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote (stderr lines prefixed), the last few thousand lines.</summary>
    public IReadOnlyList<string> Output => _output.ToList();

    /// <summary>The last <paramref name="lines"/> lines of output, for failure messages.</summary>
    public string Tail(int lines = 60) => $"--- {Name} (pid {_process.Id}{(_process.HasExited ? $", exited {_process.ExitCode}" : "")}) ---\n"
        + string.Join('\n', Output.TakeLast(lines));

    /// <param name="port">The loopback port to listen on; a free one when null. A restart passes the old one, so the
    /// services that call this one (the evaluator calls inference-proxy) find it where it was.</param>
    public static ServiceProcess Start(string name, IReadOnlyDictionary<string, string> environment, int? port = null)
    {
        var dll = ServiceDll(name);
        port ??= FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        // Only what an operator sets reaches the process, not the test runner's own environment.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                     || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || k.StartsWith("LLMOPS_", StringComparison.Ordinal)
                     || k.Contains("__", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        foreach (var (key, value) in environment)
            start.Environment[key] = value;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => service.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => service.Keep(e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > MaxKeptLines)
            _output.TryDequeue(out _);
    }

    /// <summary>Waits for <c>/health/ready</c> to answer 200 (bus connected, database migrated, keys loaded).</summary>
    public Task WaitReadyAsync(TimeSpan timeout) => WaitHealthAsync("/health/ready", "ready", timeout);

    /// <summary>
    /// Waits for <c>/health/live</c> to answer 200: the process serves HTTP, whatever its broker or database say (a
    /// service started while its broker is away is never ready, yet must serve).
    /// </summary>
    public Task WaitLiveAsync(TimeSpan timeout) => WaitHealthAsync("/health/live", "live", timeout);

    private async Task WaitHealthAsync(string path, string state, TimeSpan timeout)
    {
        using var client = CreateClient(null);
        client.Timeout = TimeSpan.FromSeconds(5);
        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was {state}.\n{Tail(200)}");
            try
            {
                var response = await client.GetAsync(path);
                // A 200 from a process that has since exited came from someone else on its port.
                if (response.IsSuccessStatusCode && !_process.HasExited)
                    return;
                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} was not {state} within {timeout} (last: {last}).\n{Tail(200)}");
    }

    /// <summary>A client for this process; <paramref name="bearerKey"/> null sends no Authorization header.</summary>
    public HttpClient CreateClient(string? bearerKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (bearerKey is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerKey);
        return client;
    }

    /// <summary>SIGKILL, no goodbye (for fault scenarios); the whole tree goes.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited)
            return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
        _process.Dispose();
    }

    private static readonly Lock PortsGate = new();
    private static readonly HashSet<int> PortsHandedOut = [];
    private static int _nextPort = 20_000 + Random.Shared.Next(10_000);

    /// <summary>
    /// A free loopback port that this test process has never handed out before, below Linux's ephemeral range (32768+).
    /// Asking the kernel for port 0 and releasing it is not enough when fixtures start and restart processes at once: a
    /// killed service's port, free until its restart rebinds it, was handed to another fixture's new process, whose bind
    /// then failed while the restarted service answered its readiness probe. Outgoing connections, whose local ports come
    /// from the ephemeral range, cannot take these either.
    /// </summary>
    internal static int FreePort()
    {
        lock (PortsGate)
        {
            for (var attempt = 0; attempt < 2_000; attempt++)
            {
                var port = _nextPort++;
                if (_nextPort >= 32_000)
                    _nextPort = 20_000;
                if (!PortsHandedOut.Add(port))
                    continue;
                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // taken by something else on this machine: try the next one
                }
            }
        }
        throw new InvalidOperationException("No free loopback port between 20000 and 32000.");
    }

    /// <summary><c>services/&lt;name&gt;/bin/&lt;Configuration&gt;/net10.0/LlmOps.&lt;PascalName&gt;.dll</c>, built alongside this code.</summary>
    public static string ServiceDll(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmOpsPlatform.sln")))
            directory = directory.Parent;
        if (directory is null)
            throw new InvalidOperationException("Could not find the repository root (LlmOpsPlatform.sln) above " + AppContext.BaseDirectory);
        var configuration = typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var pascal = string.Concat(name.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
        var dll = Path.Combine(directory.FullName, "services", name, "bin", configuration, "net10.0", $"LlmOps.{pascal}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {name} first (dotnet build LlmOpsPlatform.sln -c {configuration}).", dll);
    }
}
