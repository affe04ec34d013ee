using Microsoft.Extensions.Options;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// Drains the <see cref="IngestQueue"/>: takes whatever is waiting (up to <c>TraceCollector:IngestBatchSize</c> items),
/// writes it in one transaction and completes every request in it. When a combined write fails, each request is
/// retried on its own, so one request the database refuses cannot fail the others; a request whose own write fails
/// (after a short retry for a database that is briefly away) faults, and its caller gets a 503 to retry.
/// </summary>
public sealed partial class IngestWriter(IngestQueue queue, IServiceScopeFactory scopes, IOptions<TraceCollectorOptions> options,
    ILogger<IngestWriter> logger) : BackgroundService
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = queue.Reader;
        var taken = new List<IngestQueue.Pending>();
        while (true)
        {
            try
            {
                if (!await reader.WaitToReadAsync(stoppingToken))
                    break;
            }
            catch (OperationCanceledException)
            {
                // Stopping: what was accepted is still written before the writer ends.
                if (!reader.TryPeek(out _))
                    break;
            }
            taken.Clear();
            var items = 0;
            while (items < options.Value.IngestBatchSize && reader.TryRead(out var pending))
            {
                taken.Add(pending);
                items += pending.Batch.Count;
            }
            if (taken.Count > 0)
                await WriteAsync(taken);
        }
    }

    private async Task WriteAsync(List<IngestQueue.Pending> taken)
    {
        var combined = new TraceWriteBatch();
        foreach (var pending in taken)
            combined.Add(pending.Batch);
        try
        {
            await StoreAsync(combined);
            Complete(taken, null);
            return;
        }
        catch (Exception ex) when (taken.Count > 1)
        {
            LogCombinedFailed(logger, taken.Count, ex.Message);
        }
        catch (Exception ex)
        {
            Complete(taken, ex);
            return;
        }

        foreach (var pending in taken)
        {
            Exception? failure = null;
            foreach (var delay in Backoff.Prepend(TimeSpan.Zero))
            {
                await Task.Delay(delay);
                try
                {
                    await StoreAsync(pending.Batch);
                    failure = null;
                    break;
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            }
            if (failure is not null)
                LogRequestFailed(logger, failure);
            Complete([pending], failure);
        }
    }

    private async Task StoreAsync(TraceWriteBatch batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TraceStore>().WriteAsync(batch, CancellationToken.None);
    }

    private void Complete(IEnumerable<IngestQueue.Pending> pendings, Exception? failure)
    {
        foreach (var pending in pendings)
        {
            queue.Release(pending);
            if (failure is null)
                pending.Written.TrySetResult();
            else
                pending.Written.TrySetException(failure);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A combined write of {Requests} ingest requests failed ({Reason}); writing them one by one")]
    private static partial void LogCombinedFailed(ILogger logger, int requests, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "An ingest request could not be written; its caller gets a 503")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception);
}
