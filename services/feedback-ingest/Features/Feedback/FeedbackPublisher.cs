using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Feedback;
using LlmOps.FeedbackIngest.Infrastructure;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NpgsqlTypes;

namespace LlmOps.FeedbackIngest.Features.Feedback;

/// <summary>
/// Keeps feedback and gets it onto the bus. New feedback is inserted (an id already stored, the same idempotency key, is
/// left as it was) and published (FeedbackReceived and its human score; several as one FeedbackReceivedBatch and one
/// ScoreRecordedBatch) inside one transaction that commits only after the broker confirmed, so a row is stored as
/// published in one statement. When the broker does not confirm in time the transaction rolls back and the feedback is
/// stored unpublished instead: the caller hears 503, and <see cref="FeedbackRepublisher"/> publishes it later, or the
/// caller's retry does. Feedback stored before (a retry) is published now if it still is not. A crash between the
/// broker's confirm and the commit can publish a feedback twice; consumers deduplicate on its id.
/// </summary>
public sealed class FeedbackPublisher(FeedbackIngestDbContext db, BoundedPublisher publisher)
{
    private static readonly string[] Columns =
    [
        "project_id", "id", "trace_id", "observation_id", "kind", "value", "label", "comment", "correction", "user_id", "idempotency_key",
        "received_at", "published",
    ];

    private static readonly NpgsqlDbType[] Types =
    [
        NpgsqlDbType.Varchar, NpgsqlDbType.Uuid, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Double,
        NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.TimestampTz, NpgsqlDbType.Boolean,
    ];

    /// <summary>False when the broker did not confirm in time (nothing is lost: the rows are stored).</summary>
    public async Task<bool> AcceptAsync(IReadOnlyList<FeedbackRecord> records, CancellationToken cancellationToken)
    {
        var projectId = records[0].ProjectId;
        var distinct = records.DistinctBy(r => r.Id).ToList();
        var inserted = new HashSet<Guid>();
        try
        {
            await InsertAsync(distinct, inserted, published: true, fresh => PublishMessagesAsync(fresh, cancellationToken), cancellationToken);
        }
        catch (TimeoutException)
        {
            // Not confirmed: kept, unpublished, for the republisher and the caller's retry.
            await InsertAsync(distinct, inserted, published: false, _ => Task.CompletedTask, cancellationToken);
            return false;
        }
        var known = distinct.Select(r => r.Id).Where(id => !inserted.Contains(id)).ToList();
        return known.Count == 0 || await PublishAsync(projectId, known, cancellationToken);
    }

    /// <summary>Inserts the records not stored yet, marked <paramref name="published"/>; <paramref name="beforeCommit"/> gets the inserted ones.</summary>
    private async Task InsertAsync(List<FeedbackRecord> records, HashSet<Guid> inserted, bool published, Func<List<FeedbackRecord>, Task> beforeCommit,
        CancellationToken cancellationToken)
    {
        var table = db.Database.Table(FeedbackIngestDbContext.Schema, "feedback");
        // No execution strategy around it: Npgsql's would wrap the publish's TimeoutException as a "transient failure".
        inserted.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await BulkSql.UpsertAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), "feedback", table, Columns, Types, "project_id, id",
            "ON CONFLICT (project_id, id) DO NOTHING RETURNING id", records, (r, values) => values.AddRange(
            [
                r.ProjectId, r.Id, r.TraceId, r.ObservationId, r.Kind, r.Value, r.Label, r.Comment, r.Correction, r.UserId, r.IdempotencyKey,
                r.ReceivedAt, published,
            ]),
            reader => inserted.Add(reader.GetValue(0) is Guid g ? g : Guid.Parse(reader.GetString(0))), cancellationToken);
        await beforeCommit([.. records.Where(r => inserted.Contains(r.Id))]);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> PublishAsync(string projectId, IReadOnlyList<Guid> ids, CancellationToken cancellationToken)
    {
        var pending = await db.Feedback.AsNoTracking()
            .Where(f => f.ProjectId == projectId && ids.Contains(f.Id) && !f.Published)
            .ToListAsync(cancellationToken);
        try
        {
            await PublishMessagesAsync(pending, cancellationToken);
        }
        catch (TimeoutException)
        {
            return false;
        }
        var done = pending.Select(f => f.Id).ToList();
        if (done.Count > 0)
            await db.Feedback.Where(f => f.ProjectId == projectId && done.Contains(f.Id))
                .ExecuteUpdateAsync(set => set.SetProperty(f => f.Published, true), cancellationToken);
        return true;
    }

    private async Task PublishMessagesAsync(List<FeedbackRecord> feedback, CancellationToken cancellationToken)
    {
        if (feedback.Count == 1)
        {
            await publisher.PublishAsync(FeedbackInput.Message(feedback[0]), cancellationToken);
            if (FeedbackInput.Score(feedback[0]) is { } score)
                await publisher.PublishAsync(score, cancellationToken);
        }
        else if (feedback.Count > 1)
        {
            // A batch travels as two messages, not two per feedback: what lets thousands a second through.
            var scores = feedback.Select(FeedbackInput.Score).OfType<ScoreRecorded>().ToList();
            await Task.WhenAll(
                publisher.PublishAsync(new FeedbackReceivedBatch { Feedbacks = [.. feedback.Select(FeedbackInput.Message)] }, cancellationToken),
                scores.Count == 0 ? Task.CompletedTask : publisher.PublishAsync(new ScoreRecordedBatch { Scores = scores }, cancellationToken));
        }
    }
}

/// <summary>Publishes feedback that was stored but not confirmed (the broker was away when it arrived).</summary>
public sealed partial class FeedbackRepublisher(IServiceScopeFactory scopes, TimeProvider clock, ILogger<FeedbackRepublisher> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<FeedbackIngestDbContext>();
                var before = clock.GetUtcNow().UtcDateTime - Interval;
                var stale = await db.Feedback.AsNoTracking().Where(f => !f.Published && f.ReceivedAt < before)
                    .OrderBy(f => f.ReceivedAt).Take(500).Select(f => new { f.ProjectId, f.Id }).ToListAsync(stoppingToken);
                var publisher = scope.ServiceProvider.GetRequiredService<FeedbackPublisher>();
                foreach (var project in stale.GroupBy(f => f.ProjectId))
                    await publisher.PublishAsync(project.Key, project.Select(f => f.Id).ToList(), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRepublishFailed(logger, ex);
            }
            try
            {
                await Task.Delay(Interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Republishing unconfirmed feedback failed; trying again shortly")]
    private static partial void LogRepublishFailed(ILogger logger, Exception exception);
}
