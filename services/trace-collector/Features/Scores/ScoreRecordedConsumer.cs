using LlmOps.Contracts.Evaluation;
using LlmOps.TraceCollector.Features.Ingestion;
using MassTransit;

namespace LlmOps.TraceCollector.Features.Scores;

/// <summary>
/// Stores scores from evaluators and feedback with their traces (batched like gateway events). A score's id is its
/// identity: the same score again (a redelivery, an evaluator's re-run of the same revision) updates the row. A score
/// the store could not hold (empty or oversized names and ids) is skipped.
/// </summary>
public static class ScoreWrites
{
    public static TraceWriteBatch BatchOf(IEnumerable<ScoreRecorded> scores)
    {
        var batch = new TraceWriteBatch();
        foreach (var score in scores)
        {
            if (score.ProjectId.Length is 0 or > 128 || score.TraceId is { Length: > 64 } || score.ObservationId is { Length: > 64 }
                || score.Name.Length is 0 or > 200)
                continue;
            batch.Scores.Add(new ScoreWrite
            {
                ProjectId = score.ProjectId,
                Id = score.ScoreId.ToString("N"),
                TraceId = score.TraceId,
                ObservationId = score.ObservationId,
                SessionId = score.SessionId,
                Name = score.Name,
                DataType = score.DataType,
                Value = score.Value,
                Label = score.Label,
                Comment = score.Explanation,
                Source = score.Source,
                Status = score.Status,
                EvaluatorName = score.EvaluatorName,
                JudgeModel = score.JudgeModel,
                Timestamp = score.RecordedAt.UtcDateTime,
            });
        }
        return batch;
    }
}

public sealed class ScoreRecordedConsumer(TraceStore store) : IConsumer<Batch<ScoreRecorded>>
{
    public Task Consume(ConsumeContext<Batch<ScoreRecorded>> context) =>
        store.WriteAsync(ScoreWrites.BatchOf(context.Message.Select(m => m.Message)), context.CancellationToken);
}

/// <summary>Scores published many per message (a feedback batch, an evaluator pass).</summary>
public sealed class ScoreRecordedBatchConsumer(TraceStore store) : IConsumer<Batch<ScoreRecordedBatch>>
{
    public Task Consume(ConsumeContext<Batch<ScoreRecordedBatch>> context) =>
        store.WriteAsync(ScoreWrites.BatchOf(context.Message.SelectMany(m => m.Message.Scores ?? [])), context.CancellationToken);
}
