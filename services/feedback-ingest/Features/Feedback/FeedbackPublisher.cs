using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Feedback;
using LlmOps.FeedbackIngest.Infrastructure;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.FeedbackIngest.Features.Feedback;

/// <summary>
/// Keeps feedback and gets it onto the bus: new feedback is stored (an id already stored, the same idempotency key, is
/// left as it was), then whatever of it the broker has not confirmed yet is published (FeedbackReceived and its human
/// score; several as one FeedbackReceivedBatch and one ScoreRecordedBatch) and marked. A caller hears 202 only when that succeeded; otherwise the rows stay unpublished and
/// <see cref="FeedbackRepublisher"/> publishes them later, or the caller's retry does.
/// </summary>
public sealed class FeedbackPublisher(FeedbackIngestDbContext db, BoundedPublisher publisher)
{
    /// <summary>False when the broker did not confirm in time (nothing is lost: the rows are stored).</summary>
    public async Task<bool> AcceptAsync(IReadOnlyList<FeedbackRecord> records, CancellationToken cancellationToken)
    {
        var projectId = records[0].ProjectId;
        var ids = records.Select(r => r.Id).Distinct().ToList();
        var known = await db.Feedback.Where(f => f.ProjectId == projectId && ids.Contains(f.Id)).Select(f => f.Id).ToListAsync(cancellationToken);
        db.Feedback.AddRange(records.DistinctBy(r => r.Id).Where(r => !known.Contains(r.Id)));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same idempotency key arrived twice at once and the other request stored it: that row is the feedback.
            db.ChangeTracker.Clear();
        }
        return await PublishAsync(projectId, ids, cancellationToken);
    }

    public async Task<bool> PublishAsync(string projectId, IReadOnlyList<Guid> ids, CancellationToken cancellationToken)
    {
        var pending = await db.Feedback.AsNoTracking()
            .Where(f => f.ProjectId == projectId && ids.Contains(f.Id) && !f.Published)
            .ToListAsync(cancellationToken);
        try
        {
            if (pending.Count == 1)
            {
                await publisher.PublishAsync(FeedbackInput.Message(pending[0]), cancellationToken);
                if (FeedbackInput.Score(pending[0]) is { } score)
                    await publisher.PublishAsync(score, cancellationToken);
            }
            else if (pending.Count > 1)
            {
                // A batch travels as two messages, not two per feedback: what lets thousands a second through.
                var scores = pending.Select(FeedbackInput.Score).OfType<ScoreRecorded>().ToList();
                await Task.WhenAll(
                    publisher.PublishAsync(new FeedbackReceivedBatch { Feedbacks = [.. pending.Select(FeedbackInput.Message)] }, cancellationToken),
                    scores.Count == 0 ? Task.CompletedTask : publisher.PublishAsync(new ScoreRecordedBatch { Scores = scores }, cancellationToken));
            }
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
