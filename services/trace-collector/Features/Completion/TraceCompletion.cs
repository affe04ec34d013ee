using System.Diagnostics.Metrics;
using LlmOps.Contracts.Tracing;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.ServiceDefaults.Telemetry;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.TraceCollector.Features.Completion;

/// <summary>
/// Publishes TraceCompleted for traces that are done: every observation has ended and nothing arrived for the quiet
/// period (<c>TraceCollector:QuietPeriodSeconds</c>); a trace with an observation that never ends is published anyway
/// after <c>MaxOpenSeconds</c> without activity. Activity after a publication makes the trace pending again, and it is
/// published again with the next revision (evaluators may re-score it). Delivery is at least once: the trace is marked
/// published only after the broker confirmed, and only if nothing arrived meanwhile; a crash in between publishes the
/// same revision twice, which consumers deduplicate on (trace, revision).
/// </summary>
public sealed partial class TraceCompletion(IServiceScopeFactory scopes, IOptions<TraceCollectorOptions> options, TimeProvider clock,
    ILogger<TraceCompletion> logger) : BackgroundService
{
    private const int ScanSize = 500;

    private static readonly Counter<long> Published = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.traces.completed_published", description: "TraceCompleted messages published");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.CompletionScanIntervalMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A full scan means more are waiting: go again at once.
                while (await ScanAsync(stoppingToken) == ScanSize)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Never let a broker or database hiccup take the host down: the next scan tries again.
                LogScanFailed(logger, ex);
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

    /// <summary>One pass: publishes what is complete; returns how many candidates it looked at.</summary>
    public async Task<int> ScanAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var publisher = scope.ServiceProvider.GetRequiredService<BoundedPublisher>();
        var now = clock.GetUtcNow().UtcDateTime;
        var quietSince = now.AddSeconds(-options.Value.QuietPeriodSeconds);
        var abandonedSince = now.AddSeconds(-options.Value.MaxOpenSeconds);

        var candidates = await db.Traces.AsNoTracking()
            .Where(t => t.Pending && t.LastActivityAt <= quietSince)
            .OrderBy(t => t.LastActivityAt)
            .Take(ScanSize)
            .ToListAsync(cancellationToken);
        if (candidates.Count == 0)
            return 0;

        var ready = new List<(TraceRecord Trace, TraceCompleted Message)>();
        foreach (var project in candidates.GroupBy(t => t.ProjectId))
        {
            var ids = project.Select(t => t.Id).ToList();
            var observations = (await ObservationsOfAsync(db, project.Key, ids, cancellationToken)).ToLookup(o => o.TraceId);
            foreach (var trace in project)
            {
                var own = observations[trace.Id].ToList();
                if (own.Any(o => o.EndTime is null) && trace.LastActivityAt > abandonedSince)
                    continue;
                ready.Add((trace, TraceSummary.Build(trace, own, trace.Revision + 1)));
            }
        }

        // Published together (the broker confirms them in parallel), then marked in one statement: only those confirmed.
        var batchSize = options.Value.CompletedBatchSize;
        var groups = batchSize > 0 ? ready.Chunk(batchSize).ToList() : ready.Select(r => new[] { r }).ToList();
        var groupConfirmed = await Task.WhenAll(groups.Select(async group =>
        {
            try
            {
                if (batchSize > 0)
                    await publisher.PublishAsync(new TraceCompletedBatch { Traces = group.Select(r => r.Message).ToList() }, cancellationToken);
                else
                    await publisher.PublishAsync(group[0].Message, cancellationToken);
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                foreach (var r in group)
                    LogPublishFailed(logger, r.Trace.Id, ex.Message);
                return false;
            }
        }));
        var confirmed = groups.SelectMany((group, i) => group.Select(_ => groupConfirmed[i])).ToArray();
        var published = ready.Where((_, i) => confirmed[i]).Select(r => r.Trace).ToList();
        Published.Add(published.Count);
        await MarkPublishedAsync(db, published, cancellationToken);
        return candidates.Count;
    }

    /// <summary>
    /// The observations of a project's candidate traces. On PostgreSQL, one index probe per trace whatever the statistics
    /// say: <c>trace_id = ANY(@ids)</c> on a table not yet analysed (a new install, or one that grew fast since its last
    /// analyse) is estimated to match every row for 500 ids, so the planner read the project's whole table each pass
    /// (40 ms for 200,000 observations, against 4 ms probing). The subquery's <c>OFFSET 0</c> keeps it from being
    /// flattened into that same join.
    /// </summary>
    private static Task<List<ObservationRecord>> ObservationsOfAsync(TraceCollectorDbContext db, string projectId, List<string> traceIds,
        CancellationToken cancellationToken)
    {
        if (!db.Database.IsPostgres())
            return db.Observations.AsNoTracking().Where(o => o.ProjectId == projectId && traceIds.Contains(o.TraceId)).ToListAsync(cancellationToken);
        var sql = "SELECT o.* FROM unnest(@ids) AS k(id) CROSS JOIN LATERAL " +
            $"(SELECT * FROM {db.Database.Table(TraceCollectorDbContext.Schema, "observations")} WHERE project_id = @project AND trace_id = k.id OFFSET 0) o";
        return db.Observations.FromSqlRaw(sql, new Npgsql.NpgsqlParameter("project", projectId), new Npgsql.NpgsqlParameter("ids", traceIds.ToArray()))
            .AsNoTracking().ToListAsync(cancellationToken);
    }

    /// <summary>Marks traces published, each only if nothing arrived since it was read (otherwise it stays pending).</summary>
    private static async Task MarkPublishedAsync(TraceCollectorDbContext db, List<TraceRecord> traces, CancellationToken cancellationToken)
    {
        if (traces.Count == 0)
            return;
        var postgres = db.Database.IsPostgres();
        var table = db.Database.Table(TraceCollectorDbContext.Schema, "traces");
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            var rows = new List<string>(traces.Count);
            for (var i = 0; i < traces.Count; i++)
            {
                rows.Add($"(@p{i}, @i{i}, @t{i})");
                BulkSql.AddParameter(command, $"@p{i}", traces[i].ProjectId, postgres);
                BulkSql.AddParameter(command, $"@i{i}", traces[i].Id, postgres);
                BulkSql.AddParameter(command, $"@t{i}", traces[i].LastActivityAt, postgres);
            }
            command.CommandText = $"UPDATE {table} SET pending = FALSE, revision = revision + 1 " +
                $"WHERE (project_id, id, last_activity_at) IN (VALUES {string.Join(", ", rows)})";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "TraceCompleted for {TraceId} was not confirmed ({Reason}); it stays pending")]
    private static partial void LogPublishFailed(ILogger logger, string traceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for completed traces failed; trying again at the next interval")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);
}
