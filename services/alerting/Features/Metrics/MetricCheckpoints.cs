using System.IO.Compression;
using System.Text;
using System.Text.Json;
using LlmOps.Alerting.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// Keeps the metric windows across restarts: restores the last checkpoint at start (before the engine's first
/// evaluation can see an empty window and resolve what was firing), then writes one every
/// <see cref="MetricsOptions.CheckpointSeconds"/> and once more at a graceful stop. A crash loses at most the events of the
/// last interval that the broker had already been told were handled.
/// </summary>
public sealed class MetricCheckpoints(MetricStore store, IServiceScopeFactory scopes, IOptions<MetricsOptions> options, ILogger<MetricCheckpoints> logger)
    : BackgroundService
{
    public const string CheckpointId = "metrics";

    private readonly TaskCompletionSource _restored = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the checkpoint is back in the store (or there was none, or it could not be read).</summary>
    public Task Restored => _restored.Task;

    /// <summary>
    /// Reads the checkpoint (a database failure throws, and the caller retries) and restores it; a checkpoint that does
    /// not decode, is of another version or fails half-way is logged and the store starts from what it has: it never
    /// blocks the engine from starting.
    /// </summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        MetricCheckpointRecord? row;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AlertingDbContext>();
            row = await db.MetricCheckpoints.AsNoTracking().SingleOrDefaultAsync(c => c.Id == CheckpointId, cancellationToken);
        }
        try
        {
            if (row is not null && JsonSerializer.Deserialize<MetricSnapshot>(Decode(row.Data)) is { } snapshot)
            {
                if (snapshot.Version != MetricSnapshot.CurrentVersion)
                    // Written by another version of the store: as unreadable as a corrupt one, and said so.
                    logger.LogWarning("The metric checkpoint of {SavedAt:o} has version {Version}, this build reads {Current}; starting with empty windows",
                        row.SavedAt, snapshot.Version, MetricSnapshot.CurrentVersion);
                else
                {
                    store.Restore(snapshot);
                    logger.LogInformation("Metric windows restored from the checkpoint of {SavedAt:o} ({Bytes} bytes)", row.SavedAt, row.Data.Length);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "The metric checkpoint could not be restored; starting with the windows as they are");
        }
        _restored.TrySetResult();
    }

    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        var data = Encode(JsonSerializer.SerializeToUtf8Bytes(store.Snapshot()));
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AlertingDbContext>();
        var row = await db.MetricCheckpoints.SingleOrDefaultAsync(c => c.Id == CheckpointId, cancellationToken);
        if (row is null)
            db.MetricCheckpoints.Add(row = new MetricCheckpointRecord { Id = CheckpointId, Data = data });
        row.Data = data;
        row.SavedAt = DateTime.UtcNow;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Prefix of a gzip-compressed, base64-encoded checkpoint (the JSON's digits and repeated keys shrink several-fold).</summary>
    public const string GzipPrefix = "gz:";

    public static string Encode(byte[] json)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
            gzip.Write(json);
        return GzipPrefix + Convert.ToBase64String(buffer.ToArray());
    }

    /// <summary>The JSON of a checkpoint, compressed or (as older versions wrote it) plain.</summary>
    public static string Decode(string data)
    {
        if (!data.StartsWith(GzipPrefix, StringComparison.Ordinal))
            return data;
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(data[GzipPrefix.Length..])), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; !_restored.Task.IsCompleted; attempt++)
        {
            try
            {
                await RestoreAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Reading the metric checkpoint failed (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)), stoppingToken);
            }
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CheckpointSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await SaveQuietlyAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await SaveQuietlyAsync(last.Token);
    }

    private async Task SaveQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SaveAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Writing the metric checkpoint failed; the next one will try again");
        }
    }
}
