using System.Diagnostics.Metrics;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.ServiceDefaults.Telemetry;
using LlmOps.TraceCollector.Features.Rollups;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace LlmOps.TraceCollector.Features.Projects;

/// <summary>
/// Deletes traces (with their observations, scores and rollups) older than their project's retention, by start time (whole minutes), a thousand
/// traces per statement so a large purge never holds long locks; runs every <c>TraceCollector:RetentionScanMinutes</c>.
/// Several replicas purging at once take turns per chunk (row locks on PostgreSQL): the rows and their rollup counts go once.
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
            // Whole minutes, so the trace rollups of the purged minutes go with their traces and no minute is left half counted.
            var cutoff = RollupAccounting.Minute(clock.GetUtcNow().UtcDateTime.AddDays(-days));
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
            while (true)
            {
                var ids = await db.Traces.Where(t => t.ProjectId == projectId && t.StartTime < cutoff)
                    .OrderBy(t => t.StartTime).Select(t => t.Id).Take(Chunk).ToListAsync(cancellationToken);
                if (ids.Count == 0)
                    break;
                deleted += await InTransactionAsync(db, async () =>
                {
                    // Another replica purging the same traces at once: whoever locks them second finds them gone, so it
                    // takes nothing out of the rollups a second time.
                    ids = await LockAsync(db, "traces", "id = ANY(@ids)", projectId, new("ids", ids.ToArray()), cancellationToken);
                    if (ids.Count == 0)
                        return 0;
                    var observations = db.Observations.Where(o => o.ProjectId == projectId && ids.Contains(o.TraceId));
                    await RollupAccounting.ForgetGenerationsAsync(db, observations, cancellationToken);
                    await observations.ExecuteDeleteAsync(cancellationToken);
                    var scores = db.Scores.Where(s => s.ProjectId == projectId && s.TraceId != null && ids.Contains(s.TraceId));
                    await RollupAccounting.ForgetScoresAsync(db, scores, cancellationToken);
                    await scores.ExecuteDeleteAsync(cancellationToken);
                    return await db.Traces.Where(t => t.ProjectId == projectId && ids.Contains(t.Id)).ExecuteDeleteAsync(cancellationToken);
                });
            }
            await InTransactionAsync(db, async () =>
            {
                // Session-level scores have no trace: they go by their own time.
                await LockAsync(db, "scores", "trace_id IS NULL AND timestamp < @cutoff", projectId, new("cutoff", DateTime.SpecifyKind(cutoff, DateTimeKind.Utc)),
                    cancellationToken);
                var sessionScores = db.Scores.Where(s => s.ProjectId == projectId && s.TraceId == null && s.Timestamp < cutoff);
                await RollupAccounting.ForgetScoresAsync(db, sessionScores, cancellationToken);
                await sessionScores.ExecuteDeleteAsync(cancellationToken);
                return await db.TraceRollups.Where(r => r.ProjectId == projectId && r.Minute < cutoff).ExecuteDeleteAsync(cancellationToken);
            });
        }
        Purged.Add(deleted);
        return deleted;
    }

    /// <summary>
    /// PostgreSQL: locks the project's rows of <paramref name="table"/> matching <paramref name="condition"/> (in id order,
    /// as writers lock them) until the transaction ends, and returns the ids of those that still exist. A concurrent
    /// purge holding them is waited for, and what it deleted is skipped. SQLite (one process, one writer): nothing to do.
    /// </summary>
    private static async Task<List<string>> LockAsync(TraceCollectorDbContext db, string table, string condition, string projectId,
        Npgsql.NpgsqlParameter parameter, CancellationToken cancellationToken)
    {
        if (!db.Database.IsPostgres())
            return parameter.Value is string[] given ? [.. given] : [];
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText =
            $"SELECT id FROM {db.Database.Table(TraceCollectorDbContext.Schema, table)} WHERE project_id = @project AND {condition} ORDER BY id FOR UPDATE";
        command.Parameters.Add(new Npgsql.NpgsqlParameter("project", projectId));
        command.Parameters.Add(parameter);
        var locked = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            locked.Add(reader.GetString(0));
        return locked;
    }

    private static Task<int> InTransactionAsync(TraceCollectorDbContext db, Func<Task<int>> work) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var result = await work();
            await transaction.CommitAsync();
            return result;
        });

    [LoggerMessage(Level = LogLevel.Warning, Message = "The retention purge failed; trying again at the next interval")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
