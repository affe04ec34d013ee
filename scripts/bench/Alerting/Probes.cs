using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using LlmOps.Alerting.Features.Engine;
using LlmOps.Testing;

// What the bus benchmark watches in the alerting host: the metric store's counters, the engine's evaluations, the pages.

/// <summary>Events the alert metric store received (counted, ignored or duplicate), from its own counters.</summary>
internal sealed class ConsumedEvents : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _total, _duplicates;

    public ConsumedEvents()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name is "llmops.alerting.metric_events" or "llmops.alerting.metric_duplicates")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            Interlocked.Add(ref _total, value);
            if (instrument.Name == "llmops.alerting.metric_duplicates")
                Interlocked.Add(ref _duplicates, value);
        });
        _listener.Start();
    }

    public long Total => Interlocked.Read(ref _total);
    public long Duplicates => Interlocked.Read(ref _duplicates);

    public void Dispose() => _listener.Dispose();
}

/// <summary>The engine's evaluations of one 1s rule (its last evaluation time, sampled every 20 ms).</summary>
internal sealed class EvaluationWatch : IDisposable
{
    private readonly List<DateTimeOffset> _evaluatedAt = [];
    private readonly CancellationTokenSource _stop = new();

    public EvaluationWatch(AlertEngine engine) => _ = Task.Run(async () =>
    {
        while (!_stop.IsCancellationRequested)
        {
            if (engine.Rules.FirstOrDefault(r => r.Scheduled.Rule.Name == "hallucination_rate")?.LastEvaluatedAt is { } at)
                lock (_evaluatedAt)
                    if (_evaluatedAt.Count == 0 || _evaluatedAt[^1] != at)
                        _evaluatedAt.Add(at);
            await Task.Delay(20);
        }
    });

    /// <summary>Milliseconds between consecutive evaluations so far.</summary>
    public List<double> Gaps()
    {
        lock (_evaluatedAt)
            return _evaluatedAt.Zip(_evaluatedAt.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
    }

    public void Dispose() => _stop.Cancel();
}

/// <summary>When each project's first page reached the receiver (polled every 2 ms).</summary>
internal sealed class PageWatch : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _pagedAt = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    public PageWatch(PageReceiver pages) => _ = Task.Run(async () =>
    {
        var seen = 0;
        while (!_stop.IsCancellationRequested)
        {
            var requests = pages.RequestsTo(PageReceiver.PagerDutyPath);
            var now = Stopwatch.GetTimestamp();
            for (; seen < requests.Count; seen++)
            {
                var key = JsonDocument.Parse(requests[seen].Body).RootElement.GetProperty("dedup_key").GetString() ?? "";
                var project = key[(key.IndexOf("project=", StringComparison.Ordinal) + "project=".Length)..];
                _pagedAt.TryAdd(project, now);
            }
            await Task.Delay(2);
        }
    });

    public async Task<long> WaitAsync(string project, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!_pagedAt.ContainsKey(project))
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"No page for {project} within {timeout.TotalSeconds} s.");
            await Task.Delay(5);
        }
        return _pagedAt[project];
    }

    public void Dispose() => _stop.Cancel();
}
