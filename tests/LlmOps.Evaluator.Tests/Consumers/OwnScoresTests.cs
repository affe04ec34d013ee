using System.Collections.Concurrent;
using LlmOps.Contracts.Evaluation;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.Testing;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests.Consumers;

/// <summary>The evaluator's score queues drop the batches it published itself, and only those.</summary>
public class OwnScoresTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private EvaluatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EvaluatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private static ScoreRecorded Human(string traceId) => new()
    {
        ScoreId = Guid.NewGuid(), ProjectId = "project-a", TraceId = traceId, Name = ScoreNames.Faithfulness, DataType = "numeric",
        Source = "human", Status = ScoreStatuses.Ok, Value = 0.1, PromptName = "answer", PromptVersion = 1, Model = "gpt-test",
        RecordedAt = DateTimeOffset.UtcNow,
    };

    private async Task<List<string?>> LoopTracesAsync()
    {
        await using var scope = _host.Host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>().LoopScores.AsNoTracking().Select(s => s.TraceId).ToListAsync();
    }

    [Fact]
    public async Task A_batch_marked_as_the_evaluators_own_is_acknowledged_unread_while_peoples_scores_reach_the_loop()
    {
        var bus = _host.Host.Services.GetRequiredService<IBus>();
        await bus.Publish(new ScoreRecordedBatch { Scores = [Human("marked")] }, p => p.Headers.Set(OwnScores.Header, OwnScores.Evaluator));
        await bus.Publish(new ScoreRecordedBatch { Scores = [Human("people")] });

        await Eventually.TrueAsync(async () => (await LoopTracesAsync()).Contains("people"), Wait, "the people's score in loop_scores");
        // Same queue, published first: had the marked batch been read, its row would be there by now.
        Assert.DoesNotContain("marked", await LoopTracesAsync());
        Assert.Empty(_host.Captured<Fault<ScoreRecordedBatch>>().Messages);
    }

    [Fact]
    public async Task The_evaluator_marks_every_score_batch_it_publishes_as_its_own()
    {
        var headers = new ConcurrentQueue<string?>();
        var bus = _host.Host.Services.GetRequiredService<IBus>();
        using var _ = bus.ConnectConsumeMessageObserver(new HeaderObserver(headers));
        var trace = Traces.Trace("project-a", "What is the capital of France?", "Paris is the capital of France.");

        await _host.PublishAndWaitAsync([trace]);

        await Eventually.TrueAsync(() => Task.FromResult(!headers.IsEmpty), Wait, "the evaluator's score batch seen by the test's capture");
        Assert.All(headers, value => Assert.Equal(OwnScores.Evaluator, value));
    }

    private sealed class HeaderObserver(ConcurrentQueue<string?> headers) : IConsumeMessageObserver<ScoreRecordedBatch>
    {
        public Task PreConsume(ConsumeContext<ScoreRecordedBatch> context)
        {
            headers.Enqueue(context.Headers.Get<string>(OwnScores.Header));
            return Task.CompletedTask;
        }

        public Task PostConsume(ConsumeContext<ScoreRecordedBatch> context) => Task.CompletedTask;

        public Task ConsumeFault(ConsumeContext<ScoreRecordedBatch> context, Exception exception) => Task.CompletedTask;
    }
}
