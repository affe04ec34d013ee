using System.Diagnostics;
using System.Diagnostics.Metrics;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Telemetry;
using MassTransit;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Events;

/// <summary>
/// Drains the request path's event queue into the bus. While the broker confirms, events go straight out in batches.
/// When it does not (down, unreachable, too slow), the unconfirmed events go to the on-disk spool and everything after
/// them follows into the spool, so order holds; a replayer publishes the spool once the broker is back and switches
/// to direct publishing when it is empty. Requests never wait for any of this. On shutdown whatever is still queued
/// is spooled, to be replayed by the next start.
/// <para>
/// Requests are answered before their event is safe, so the time an event can sit only in memory is what a kill during
/// a broker outage loses. That window is kept short: a batch the broker has not confirmed within <c>SpoolAfter</c>
/// (far shorter than <c>PublishTimeout</c>) is spooled while its publish is still pending, and a batch is not published
/// at all while the bus reports the broker unreachable. A publish that confirms after its batch was spooled makes the
/// replay a duplicate, which the consumers drop by inference id.
/// </para>
/// </summary>
public sealed partial class InferenceEventPublisher(
    InferenceEventQueue queue,
    EventSpool spool,
    IBus bus,
    BrokerHealth broker,
    IOptions<InferenceProxyOptions> options,
    ILogger<InferenceEventPublisher> logger) : BackgroundService
{
    private static readonly Counter<long> Published = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.events.published", description: "InferenceCompleted events confirmed by the broker (direct or replayed)");
    private static readonly Counter<long> Spooled = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.events.spooled", description: "InferenceCompleted events written to the on-disk spool");
    private static readonly Counter<long> Dropped = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.events.dropped", description: "InferenceCompleted events lost: spool full or a line torn by a crash (should stay 0)");
    private static readonly Histogram<double> ConfirmTime = LlmOpsTelemetry.Meter.CreateHistogram<double>(
        "llmops.proxy.events.confirm_time", unit: "ms",
        description: "Time from publishing a batch of InferenceCompleted events to the broker's confirm (what SpoolAfter is set against)");

    private readonly Lock _mode = new();
    private readonly SemaphoreSlim _spoolSignal = new(0);
    private bool _spooling;

    /// <summary>True while events go to the spool instead of straight to the broker.</summary>
    public bool Spooling
    {
        get
        {
            lock (_mode)
                return _spooling;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LlmOpsTelemetry.Meter.CreateObservableGauge("llmops.proxy.events.spool_depth", () => spool.PendingEvents,
            description: "InferenceCompleted events waiting in the on-disk spool");
        lock (_mode)
            _spooling = !spool.IsEmpty;
        var replayer = Task.Run(() => ReplayAsync(stoppingToken), CancellationToken.None);

        var batch = new List<InferenceCompleted>(options.Value.PublishBatchSize);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                Fill(batch);
                await DeliverAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: keep what is queued, durably.
        }

        Fill(batch);
        while (batch.Count > 0)
        {
            SpoolDurably(batch);
            batch.Clear();
            Fill(batch);
        }
        await replayer;
    }

    private async Task DeliverAsync(List<InferenceCompleted> batch, CancellationToken cancellationToken)
    {
        lock (_mode)
        {
            if (_spooling)
            {
                SpoolDurably(batch);
                return;
            }
        }

        if (broker.KnownDown)
        {
            // No point waiting for a confirm that cannot come: every millisecond waited is a millisecond of answered
            // requests that a kill would lose.
            StartSpooling(batch);
            LogKnownDown(logger, batch.Count);
            return;
        }

        var publish = PublishAsync(batch, cancellationToken);
        if (!publish.IsCompleted)
        {
            try
            {
                await publish.WaitAsync(options.Value.SpoolAfter, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Healthy confirms take milliseconds; this one is late. Spool the batch now rather than at the publish
                // deadline, and everything queued behind it follows (the next batches see spooling mode). The publish
                // runs on to its own deadline and catches its own failures; if it confirms after all, the replay is a
                // duplicate the consumers drop by inference id.
                StartSpooling(batch);
                LogSlowConfirm(logger, batch.Count, options.Value.SpoolAfter.TotalMilliseconds);
                return;
            }
        }

        var unconfirmed = await publish;
        if (unconfirmed.Count == 0)
            return;
        StartSpooling(unconfirmed);
        LogSpooling(logger, unconfirmed.Count);
    }

    /// <summary>Spools the events and switches to spooling mode (the events of later batches follow them, so order holds).</summary>
    private void StartSpooling(IReadOnlyCollection<InferenceCompleted> events)
    {
        lock (_mode)
        {
            SpoolDurably(events);
            _spooling = true;
        }
        _spoolSignal.Release();
    }

    /// <summary>
    /// Publishes the batch (as one InferenceCompletedBatch message, or event by event) and returns the events the broker
    /// did not confirm in time.
    /// </summary>
    private async Task<List<InferenceCompleted>> PublishAsync(IReadOnlyList<InferenceCompleted> batch, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.PublishTimeout);
        var started = Stopwatch.GetTimestamp();
        if (options.Value.PublishAsBatch)
        {
            try
            {
                await bus.Publish(new InferenceCompletedBatch { Inferences = [.. batch] }, deadline.Token);
                ConfirmTime.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Published.Add(batch.Count);
                return [];
            }
            catch (Exception)
            {
                // Not confirmed as a whole: every event of it goes to the spool (consumers dedup if it did arrive).
                return [.. batch];
            }
        }

        var attempts = batch.Select(inference => bus.Publish(inference, deadline.Token)).ToArray();
        try
        {
            await Task.WhenAll(attempts);
        }
        catch (Exception)
        {
            // Sorted out below, event by event: whatever was not confirmed goes to the spool.
        }
        var unconfirmed = batch.Where((_, i) => !attempts[i].IsCompletedSuccessfully).ToList();
        if (unconfirmed.Count == 0)
            ConfirmTime.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        Published.Add(batch.Count - unconfirmed.Count);
        return unconfirmed;
    }

    private async Task ReplayAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!Spooling)
            {
                try
                {
                    await _spoolSignal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }

            var spooled = spool.Read(options.Value.PublishBatchSize);
            if (spooled is null)
            {
                lock (_mode)
                {
                    // Nothing was appended since the read (appends happen under this lock): publish directly again.
                    if (spool.IsEmpty)
                    {
                        _spooling = false;
                        LogDrained(logger);
                    }
                }
                continue;
            }

            if (spooled.Unreadable > 0)
            {
                Dropped.Add(spooled.Unreadable);
                LogTorn(logger, spooled.Unreadable);
            }
            var unconfirmed = spooled.Events.Count == 0 ? [] : await PublishAsync(spooled.Events, stoppingToken);
            if (unconfirmed.Count == 0)
            {
                spool.Commit(spooled);
                backoff = TimeSpan.FromMilliseconds(250);
                continue;
            }
            try
            {
                await Task.Delay(backoff, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromMilliseconds(Math.Min(5000, backoff.TotalMilliseconds * 2));
        }
    }

    private void SpoolDurably(IReadOnlyCollection<InferenceCompleted> events)
    {
        var lost = spool.Append(events);
        Spooled.Add(events.Count - lost);
        if (lost > 0)
        {
            Dropped.Add(lost);
            LogSpoolFull(logger, lost, options.Value.SpoolMaxBytes);
        }
    }

    private void Fill(List<InferenceCompleted> batch)
    {
        while (batch.Count < options.Value.PublishBatchSize && queue.Reader.TryRead(out var inference))
            batch.Add(inference);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker did not confirm {Count} InferenceCompleted events; spooling to disk until it is back")]
    private static partial void LogSpooling(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker has not confirmed {Count} InferenceCompleted events within {SpoolAfterMs} ms; spooling them and what follows to disk until it is back")]
    private static partial void LogSlowConfirm(ILogger logger, int count, double spoolAfterMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The bus reports the broker unreachable; spooling {Count} InferenceCompleted events and what follows to disk until it is back")]
    private static partial void LogKnownDown(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event spool replayed; publishing directly again")]
    private static partial void LogDrained(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The event spool is full ({MaxBytes} bytes): {Count} InferenceCompleted events were lost")]
    private static partial void LogSpoolFull(ILogger logger, int count, long maxBytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} spooled InferenceCompleted events could not be read back (torn by a crash) and were lost")]
    private static partial void LogTorn(ILogger logger, int count);
}
