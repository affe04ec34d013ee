using System.Diagnostics.Metrics;
using LlmOps.ServiceDefaults.Telemetry;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.TraceCollector.Features.Projects;

/// <summary>
/// Deletes traces (with their observations and scores) older than their project's retention, by start time, a thousand
/// traces per statement so a large purge never holds long locks; runs every <c>TraceCollector:RetentionScanMinutes</c>.
/// Several replicas purging at once delete the same rows: harmless.
/// </summary>
public sealed partial class RetentionPurge(IServiceScopeFactory scopes, ProjectPolicies policies, IOptions<TraceCollectorOptions> options,
    TimeProvider clock, ILogger<RetentionPurge> logger) : BackgroundService
{
    private const int Chunk = 1_000;

    private static readonly Counter<long> Purged = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.traces.purged", description: "Traces deleted because their project's retention ran out");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMinutes(options.Value.RetentionScanMinutes);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPurgeFailed(logger, ex);
            }
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass over every project with a retention; returns how many traces it deleted.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var (projectId, policy) in policies.All)
        {
            if (policy.RetentionDays is not { } days)
                continue;
            var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-days);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
            while (true)
            {
                var ids = await db.Traces.Where(t => t.ProjectId == projectId && t.StartTime < cutoff)
                    .OrderBy(t => t.StartTime).Select(t => t.Id).Take(Chunk).ToListAsync(cancellationToken);
                if (ids.Count == 0)
                    break;
                await db.Observations.Where(o => o.ProjectId == projectId && ids.Contains(o.TraceId)).ExecuteDeleteAsync(cancellationToken);
                await db.Scores.Where(s => s.ProjectId == projectId && s.TraceId != null && ids.Contains(s.TraceId)).ExecuteDeleteAsync(cancellationToken);
                deleted += await db.Traces.Where(t => t.ProjectId == projectId && ids.Contains(t.Id)).ExecuteDeleteAsync(cancellationToken);
            }
            // Session-level scores have no trace: they go by their own time.
            await db.Scores.Where(s => s.ProjectId == projectId && s.TraceId == null && s.Timestamp < cutoff).ExecuteDeleteAsync(cancellationToken);
        }
        Purged.Add(deleted);
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention purge failed; trying again at the next interval")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
