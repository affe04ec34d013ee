using LlmOps.Contracts.Evaluation;
using LlmOps.TraceCollector.Features.Ingestion;
using MassTransit;

namespace LlmOps.TraceCollector.Features.Scores;

/// <summary>
/// Stores scores from evaluators and feedback with their traces (batched like gateway events). A score's id is its
/// identity: the same score again (a redelivery, an evaluator's re-run of the same revision) updates the row.
/// </summary>
public sealed class ScoreRecordedConsumer(TraceStore store) : IConsumer<Batch<ScoreRecorded>>
{
    public async Task Consume(ConsumeContext<Batch<ScoreRecorded>> context)
    {
        var batch = new TraceWriteBatch();
        foreach (var score in context.Message.Select(m => m.Message))
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
        await store.WriteAsync(batch, context.CancellationToken);
    }
}
