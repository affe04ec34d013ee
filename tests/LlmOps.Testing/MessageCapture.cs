using System.Collections.Concurrent;
using MassTransit;

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
