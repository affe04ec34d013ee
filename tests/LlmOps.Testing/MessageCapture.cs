using System.Collections.Concurrent;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Feedback;
using LlmOps.Contracts.Tracing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Testing;

/// <summary>Every <typeparamref name="T"/> a test host's bus delivered, in order (register with <see cref="CaptureConsumer{T}"/>).</summary>
public sealed class MessageCapture<T> where T : class
{
    public ConcurrentQueue<T> Messages { get; } = new();
}

public sealed class CaptureConsumer<T>(MessageCapture<T> capture) : IConsumer<T> where T : class
{
    public Task Consume(ConsumeContext<T> context)
    {
        capture.Messages.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Unpacks the batch messages into the capture of their element type, when the test registered one: a test asserts on
/// single events whichever way the service published them.
/// </summary>
public sealed class BatchCaptureConsumer(IServiceProvider services)
    : IConsumer<CostRecordedBatch>, IConsumer<ScoreRecordedBatch>, IConsumer<FeedbackReceivedBatch>, IConsumer<TraceCompletedBatch>
{
    public Task Consume(ConsumeContext<TraceCompletedBatch> context) => Add(context.Message.Traces);

    public Task Consume(ConsumeContext<CostRecordedBatch> context) => Add(context.Message.Costs);

    public Task Consume(ConsumeContext<ScoreRecordedBatch> context) => Add(context.Message.Scores);

    public Task Consume(ConsumeContext<FeedbackReceivedBatch> context) => Add(context.Message.Feedbacks);

    private Task Add<T>(IEnumerable<T> messages) where T : class
    {
        if (services.GetService<MessageCapture<T>>() is { } capture)
            foreach (var message in messages)
                capture.Messages.Enqueue(message);
        return Task.CompletedTask;
    }
}
