using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Inference;
using MassTransit;

namespace LlmOps.Alerting.Features.Metrics;

// Thin consumers: each hands its events to the MetricStore, which deduplicates on the event's id. The high-volume
// kinds arrive in batches (Alerting:Metrics:BatchSize / BatchMessages) so a busy queue costs one dispatch per batch.

public sealed class CostRecordedMetricConsumer(MetricStore store) : IConsumer<Batch<CostRecorded>>
{
    public Task Consume(ConsumeContext<Batch<CostRecorded>> context)
    {
        foreach (var message in context.Message)
            store.Record(message.Message);
        return Task.CompletedTask;
    }
}

public sealed class CostRecordedBatchMetricConsumer(MetricStore store) : IConsumer<Batch<CostRecordedBatch>>
{
    public Task Consume(ConsumeContext<Batch<CostRecordedBatch>> context)
    {
        foreach (var message in context.Message)
            foreach (var cost in message.Message.Costs ?? [])
                if (cost is not null)
                    store.Record(cost);
        return Task.CompletedTask;
    }
}

public sealed class ScoreRecordedMetricConsumer(MetricStore store) : IConsumer<Batch<ScoreRecorded>>
{
    public Task Consume(ConsumeContext<Batch<ScoreRecorded>> context)
    {
        foreach (var message in context.Message)
            store.Record(message.Message);
        return Task.CompletedTask;
    }
}

public sealed class ScoreRecordedBatchMetricConsumer(MetricStore store) : IConsumer<Batch<ScoreRecordedBatch>>
{
    public Task Consume(ConsumeContext<Batch<ScoreRecordedBatch>> context)
    {
        foreach (var message in context.Message)
            foreach (var score in message.Message.Scores ?? [])
                if (score is not null)
                    store.Record(score);
        return Task.CompletedTask;
    }
}

public sealed class InferenceCompletedMetricConsumer(MetricStore store) : IConsumer<Batch<InferenceCompleted>>
{
    public Task Consume(ConsumeContext<Batch<InferenceCompleted>> context)
    {
        foreach (var message in context.Message)
            store.Record(message.Message);
        return Task.CompletedTask;
    }
}

public sealed class InferenceCompletedBatchMetricConsumer(MetricStore store) : IConsumer<Batch<InferenceCompletedBatch>>
{
    public Task Consume(ConsumeContext<Batch<InferenceCompletedBatch>> context)
    {
        foreach (var message in context.Message)
            foreach (var inference in message.Message.Inferences ?? [])
                if (inference is not null)
                    store.Record(inference);
        return Task.CompletedTask;
    }
}

public sealed class BudgetThresholdCrossedMetricConsumer(MetricStore store) : IConsumer<BudgetThresholdCrossed>
{
    public Task Consume(ConsumeContext<BudgetThresholdCrossed> context)
    {
        store.Record(context.Message);
        return Task.CompletedTask;
    }
}

public sealed class BudgetExhaustedMetricConsumer(MetricStore store) : IConsumer<BudgetExhausted>
{
    public Task Consume(ConsumeContext<BudgetExhausted> context)
    {
        store.Record(context.Message);
        return Task.CompletedTask;
    }
}

public sealed class EvaluatorProgressMetricConsumer(MetricStore store) : IConsumer<EvaluatorProgressReported>
{
    public Task Consume(ConsumeContext<EvaluatorProgressReported> context)
    {
        store.Record(context.Message);
        return Task.CompletedTask;
    }
}
