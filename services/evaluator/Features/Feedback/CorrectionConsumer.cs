using LlmOps.Contracts.Feedback;
using LlmOps.Evaluator.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Evaluator.Features.Feedback;

/// <summary>Keeps people's corrections (the answer they wanted): the first source of fine-tune examples.</summary>
public sealed class CorrectionConsumer(Corrections corrections) : IConsumer<Batch<FeedbackReceived>>
{
    public Task Consume(ConsumeContext<Batch<FeedbackReceived>> context) =>
        corrections.KeepAsync(context.Message.Select(m => m.Message), context.CancellationToken);
}

/// <summary>Feedback published many per message.</summary>
public sealed class CorrectionBatchConsumer(Corrections corrections) : IConsumer<Batch<FeedbackReceivedBatch>>
{
    public Task Consume(ConsumeContext<Batch<FeedbackReceivedBatch>> context) =>
        corrections.KeepAsync(context.Message.SelectMany(m => m.Message.Feedbacks ?? []), context.CancellationToken);
}

public sealed class Corrections(EvaluatorDbContext db, TimeProvider clock)
{
    public async Task KeepAsync(IEnumerable<FeedbackReceived?> feedback, CancellationToken cancellationToken)
    {
        var corrections = feedback.OfType<FeedbackReceived>()
            .Where(f => !string.IsNullOrWhiteSpace(f.Correction) && f.ProjectId is { Length: > 0 and <= 128 } && f.TraceId is { Length: > 0 and <= 64 })
            .DistinctBy(f => f.FeedbackId).ToList();
        if (corrections.Count == 0)
            return;
        var ids = corrections.Select(c => c.FeedbackId).ToList();
        var known = await db.Corrections.Where(c => ids.Contains(c.FeedbackId)).Select(c => c.FeedbackId).ToListAsync(cancellationToken);
        foreach (var f in corrections.Where(c => !known.Contains(c.FeedbackId)))
        {
            db.Corrections.Add(new CorrectionRecord
            {
                FeedbackId = f.FeedbackId, ProjectId = f.ProjectId, TraceId = f.TraceId, Correction = f.Correction!.Length > 16_000 ? f.Correction[..16_000] : f.Correction,
                ReceivedAt = f.ReceivedAt.UtcDateTime == default ? clock.GetUtcNow().UtcDateTime : f.ReceivedAt.UtcDateTime,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
