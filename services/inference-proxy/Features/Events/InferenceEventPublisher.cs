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
/// </summary>
public sealed partial class InferenceEventPublisher(
    InferenceEventQueue queue,
    EventSpool spool,
    IBus bus,
    IOptions<InferenceProxyOptions> options,
    ILogger<InferenceEventPublisher> logger) : BackgroundService
{
    private static readonly Counter<long> Published = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.events.published", description: "InferenceCompleted events confirmed by the broker (direct or replayed)");
    private static readonly Counter<long> Spooled = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.events.spooled", description: "InferenceCompleted events written to the on-disk spool");
    private static readonly Counter<long> Dropped = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.events.dropped", description: "InferenceCompleted events lost: spool full or a line torn by a crash (should stay 0)");

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
        bool spooling;
        lock (_mode)
        {
            spooling = _spooling;
            if (spooling)
                SpoolDurably(batch);
        }
        if (spooling)
            return;

        var unconfirmed = await PublishAsync(batch, cancellationToken);
        if (unconfirmed.Count == 0)
            return;
        lock (_mode)
        {
            SpoolDurably(unconfirmed);
            _spooling = true;
        }
        LogSpooling(logger, unconfirmed.Count);
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
        if (options.Value.PublishAsBatch)
        {
            try
            {
                await bus.Publish(new InferenceCompletedBatch { Inferences = [.. batch] }, deadline.Token);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Event spool replayed; publishing directly again")]
    private static partial void LogDrained(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The event spool is full ({MaxBytes} bytes): {Count} InferenceCompleted events were lost")]
    private static partial void LogSpoolFull(ILogger logger, int count, long maxBytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} spooled InferenceCompleted events could not be read back (torn by a crash) and were lost")]
    private static partial void LogTorn(ILogger logger, int count);
}
