using System.Diagnostics.Metrics;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Events;

/// <summary>
/// Drains the event queue into the bus in batches. A batch the broker does not confirm is kept and retried with
/// backoff until it is: events are never dropped. On shutdown it keeps publishing until the queue is empty or the
/// host's shutdown timeout ends.
/// </summary>
public sealed partial class InferenceEventPublisher(
    InferenceEventQueue queue,
    BoundedPublisher publisher,
    IOptions<InferenceProxyOptions> options,
    ILogger<InferenceEventPublisher> logger) : BackgroundService
{
    private static readonly Counter<long> Published = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.events.published", description: "InferenceCompleted events confirmed by the broker");
    private static readonly Counter<long> Failures = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.events.publish_failures", description: "Batches the broker did not confirm (retried)");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<InferenceCompleted>(options.Value.PublishBatchSize);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                Fill(batch);
                await PublishUntilConfirmedAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: drain below.
        }

        // The host gives us its shutdown timeout; use it to empty the queue.
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            do
            {
                Fill(batch);
                if (batch.Count > 0)
                    await PublishUntilConfirmedAsync(batch, drain.Token);
            }
            while (batch.Count > 0);
        }
        catch (OperationCanceledException)
        {
            LogUnpublishedAtShutdown(logger, batch.Count + queue.Depth);
        }
    }

    private void Fill(List<InferenceCompleted> batch)
    {
        while (batch.Count < options.Value.PublishBatchSize && queue.Reader.TryRead(out var inference))
            batch.Add(inference);
    }

    private async Task PublishUntilConfirmedAsync(List<InferenceCompleted> batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await publisher.PublishBatchAsync(batch, cancellationToken);
                Published.Add(batch.Count);
                batch.Clear();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Failures.Add(1);
                var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Min(attempt, 10))));
                LogPublishFailed(logger, ex, batch.Count, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Count} InferenceCompleted events failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int count, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shut down with {Count} InferenceCompleted events unpublished")]
    private static partial void LogUnpublishedAtShutdown(ILogger logger, int count);
}
