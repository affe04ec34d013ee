using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace LlmOps.Testing;

/// <summary>
/// The embedded platform started from its build output (what <c>dotnet run --project services/platform</c> runs),
/// in a working directory of the test's choosing, with no configuration at all.
/// </summary>
public sealed class PlatformProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private PlatformProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public IReadOnlyList<string> Output => _output.ToList();

    public static async Task<PlatformProcess> StartAsync(string workingDirectory, IDictionary<string, string>? environment = null)
    {
        var port = ServiceProcess.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(PlatformDll());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        // Nothing from the test environment may configure the platform: it must run on its own defaults.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                     || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || k.StartsWith("LLMOPS_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var platform = new PlatformProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) platform._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) platform._output.Enqueue("stderr: " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (!platform._output.Any(line => line.Contains("Now listening on", StringComparison.Ordinal)))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The platform exited with {process.ExitCode}:\n{string.Join('\n', platform.Output)}");
            if (clock.Elapsed > TimeSpan.FromSeconds(90))
                throw new TimeoutException($"The platform did not start listening:\n{string.Join('\n', platform.Output)}");
            await Task.Delay(50);
        }
        return platform;
    }

    /// <summary>The admin key from the banner printed on first start, or null when none was printed.</summary>
    public string? PrintedAdminKey() => BannerValue("LlmOps admin key");

    /// <summary>The default project's key from the banner printed on first start, or null when none was printed.</summary>
    public string? PrintedProjectKey() => BannerValue("LlmOps project key");

    private string? BannerValue(string title)
    {
        var lines = Output;
        var index = lines.ToList().FindIndex(l => l.Contains(title, StringComparison.Ordinal));
        return index < 0 || index + 1 >= lines.Count ? null : lines[index + 1].Trim();
    }

    /// <summary>Stops the process as Kubernetes or Ctrl+C would (SIGTERM) and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (_process.HasExited)
            return _process.ExitCode;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException("The platform did not stop within 30 s of SIGTERM.");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    public static string PlatformDll()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmOpsPlatform.sln")))
            directory = directory.Parent;
        if (directory is null)
            throw new InvalidOperationException("Could not find the repository root (LlmOpsPlatform.sln) above " + AppContext.BaseDirectory);
        // The configuration this code was built in is the one the platform was built in alongside it.
        var configuration = typeof(PlatformProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dll = Path.Combine(directory.FullName, "services", "platform", "bin", configuration, "net10.0", "LlmOps.Platform.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the platform first.", dll);
    }
}
