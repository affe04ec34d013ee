using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Diagnostics;
using LlmOps.Testing;
using OpenAI;
using OpenAI.Chat;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// An application talking to inference-proxy with the official OpenAI SDK while a fault is under way: a few workers send
/// plain and streamed requests, each about four a second, until stopped, and every answer is either a success (with the trace id the
/// gateway answered with) or a recorded failure. A request that succeeded is a promise the platform must keep: its trace
/// and its cost.
/// </summary>
public sealed class SdkTraffic : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _traceIds = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<TimeSpan> _latencies = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _workers;

    /// <summary>Between one worker's requests: steady traffic, not a flood the checks afterwards spend minutes reading back.</summary>
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);

    private SdkTraffic(Uri gateway, string projectKey, string label, int workers)
    {
        _workers = Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkAsync(gateway, projectKey, label, w))));
    }

    /// <summary>Starts sending through <paramref name="platform"/>'s gateway with <paramref name="projectKey"/>.</summary>
    public static SdkTraffic Start(ServiceProcesses platform, string projectKey, string label, int workers = 2) =>
        new(platform[ServiceProcesses.InferenceProxy].BaseAddress, projectKey, label, workers);

    /// <summary>Trace ids of the requests that succeeded so far.</summary>
    public IReadOnlyList<string> TraceIds => _traceIds.ToList();
    public IReadOnlyList<string> Failures => _failures.ToList();
    public IReadOnlyList<TimeSpan> Latencies => _latencies.ToList();
    public int Succeeded => _traceIds.Count;

    /// <summary>Waits until <paramref name="more"/> requests more than now have succeeded.</summary>
    public Task WaitForMoreAsync(int more, TimeSpan timeout)
    {
        var target = Succeeded + more;
        return Eventually.TrueAsync(() => Task.FromResult(Succeeded >= target || !_failures.IsEmpty), timeout,
            $"{more} more successful requests (at {Succeeded}, failures: {string.Join(" | ", _failures.Take(3))})");
    }

    /// <summary>Stops sending after the requests in flight; returns the trace ids of every success.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        await _stop.CancelAsync();
        await _workers;
        return TraceIds;
    }

    private async Task WorkAsync(Uri gateway, string projectKey, string label, int worker)
    {
        // One request at a time per worker; no SDK retries, which would hide a failed request from the count.
        var headers = new GatewayHeaders();
        var chat = headers.ChatClient(gateway, projectKey, "sim-small", TimeSpan.FromSeconds(30));
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var question = new UserChatMessage($"{label} worker {worker} request {i} [[sim:tokens={5 + i % 7}]]");
            var clock = Stopwatch.StartNew();
            headers.Answers.Clear();
            try
            {
                if (i % 2 == 0)
                {
                    var result = await chat.CompleteChatAsync([question]);
                    if (string.IsNullOrWhiteSpace(result.Value.Content[0].Text))
                        throw new InvalidOperationException("an empty answer");
                }
                else
                {
                    var parts = 0;
                    await foreach (var update in chat.CompleteChatStreamingAsync([question], new ChatCompletionOptions()))
                        parts += update.ContentUpdate.Count;
                    if (parts == 0)
                        throw new InvalidOperationException("an empty stream");
                }
                _latencies.Enqueue(clock.Elapsed);
                if (!headers.Answers.TryPeek(out var served))
                    throw new InvalidOperationException("no x-llmops-trace-id header");
                _traceIds.Enqueue(served.TraceId);
            }
            catch (Exception ex) when (ex is ClientResultException or InvalidOperationException or HttpRequestException or TaskCanceledException)
            {
                _failures.Enqueue($"{label} {worker}/{i}: {ex.GetType().Name}: {ex.Message}");
            }
            try
            {
                await Task.Delay(Pause, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
            await StopAsync();
        _stop.Dispose();
    }
}
