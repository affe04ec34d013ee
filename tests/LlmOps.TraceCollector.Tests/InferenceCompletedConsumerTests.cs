using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.TraceCollector.Features.Ingestion;
using LlmOps.TraceCollector.Infrastructure;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmOps.TraceCollector.Tests;

/// <summary>The batch consumer through MassTransit's test harness, writing to a real (SQLite) database.</summary>
public class InferenceCompletedConsumerTests : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private ITestHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        var storage = new StorageOptions { DataDirectory = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")) };
        Directory.CreateDirectory(storage.DataDirectoryFullPath);
        _services = new ServiceCollection()
            .AddDbContext<TraceCollectorDbContext>(db => db.UseSqlite(StorageExtensions.SqliteConnectionString(storage, "trace-collector")))
            .AddScoped<TraceStore>()
            .AddScoped<InferenceTraceWriter>()
            .AddSingleton<LlmOps.TraceCollector.Features.Projects.ProjectPolicies>()
            .AddSingleton(TimeProvider.System)
            .AddMassTransitTestHarness(x =>
            {
                x.AddConsumer<InferenceCompletedConsumer>(c => c.Options<BatchOptions>(b => b.SetMessageLimit(10).SetTimeLimit(TimeSpan.FromMilliseconds(20))));
                x.AddConsumer<InferenceCompletedBatchConsumer>(c => c.Options<BatchOptions>(b => b.SetMessageLimit(3).SetTimeLimit(TimeSpan.FromMilliseconds(20))));
                // The harness stops watching once it has been idle this long; the first EF Core write takes a while.
                x.SetTestTimeouts(testTimeout: TimeSpan.FromSeconds(60), testInactivityTimeout: TimeSpan.FromSeconds(30));
            })
            .BuildServiceProvider(true);
        await using (var scope = _services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>().Database.MigrateAsync();
        _harness = _services.GetRequiredService<ITestHarness>();
        await _harness.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _harness.Stop();
        await _services.DisposeAsync();
    }

    private async Task ConsumeAsync(InferenceCompleted inference)
    {
        await _harness.Bus.Publish(inference);
        // An explicit deadline: the harness's own inactivity token may already have fired after an earlier message.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var consumer = _harness.GetConsumerHarness<InferenceCompletedConsumer>();
        Assert.True(await consumer.Consumed.Any<Batch<InferenceCompleted>>(
            m => m.Context.Message.Any(x => x.Message.InferenceId == inference.InferenceId), deadline.Token));
        // A cancelled token makes the harness look only at what it has already seen, without waiting for more.
        Assert.False(await _harness.Published.Any<Fault<InferenceCompleted>>(cancellationToken: new CancellationToken(true)));
    }

    private async Task<(TraceRecord? Trace, List<ObservationRecord> Observations)> ReadAsync(string projectId, string traceId)
    {
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var trace = await db.Traces.AsNoTracking().SingleOrDefaultAsync(t => t.ProjectId == projectId && t.Id == traceId);
        var observations = await db.Observations.AsNoTracking().Where(o => o.ProjectId == projectId && o.TraceId == traceId).ToListAsync();
        return (trace, observations);
    }

    [Fact]
    public async Task InferenceCompleted_becomes_a_trace_with_one_generation_carrying_model_usage_and_content()
    {
        var inference = Inferences.Successful();

        await ConsumeAsync(inference);

        var (trace, observations) = await ReadAsync("project-a", inference.TraceId);
        Assert.NotNull(trace);
        Assert.Equal("chat sim-small", trace.Name);
        Assert.Equal("user-1", trace.UserId);
        Assert.Equal("session-1", trace.SessionId);
        Assert.Equal("support", trace.Feature);
        Assert.Equal("ok", trace.Status);
        Assert.Contains("What is our refund policy?", trace.Input);
        Assert.Equal("Refunds within 30 days.", trace.Output);
        Assert.Contains("acme", trace.Metadata);
        var generation = Assert.Single(observations);
        Assert.Equal(inference.SpanId, generation.Id);
        Assert.Equal(ObservationTypes.Generation, generation.Type);
        Assert.Equal("sim-small-2026", generation.Model);
        Assert.Equal(120, generation.InputTokens);
        Assert.Equal(30, generation.OutputTokens);
        Assert.Equal(20, generation.CachedInputTokens);
        Assert.Equal(5, generation.ReasoningTokens);
        Assert.Equal(inference.InferenceId, generation.InferenceId);
        Assert.NotNull(generation.CompletionStartTime);
        Assert.Equal(120, (generation.CompletionStartTime!.Value - generation.StartTime!.Value).TotalMilliseconds, 1);
    }

    [Fact]
    public async Task Gateway_generations_are_counted_once_in_the_generation_rollups_with_the_streamed_ones_ttft_and_their_cache_outcome()
    {
        var streamedMiss = Inferences.Successful("project-gen") with { CacheStatus = CacheStatuses.Miss };
        var wholeHit = Inferences.Successful("project-gen") with { Streamed = false, TimeToFirstTokenMs = 900, CacheStatus = CacheStatuses.Hit };

        await ConsumeAsync(streamedMiss);
        await ConsumeAsync(wholeHit);
        await ConsumeAsync(streamedMiss);

        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var rollups = await db.GenerationRollups.AsNoTracking().Where(r => r.ProjectId == "project-gen").ToListAsync();
        Assert.Equal(2, rollups.Sum(r => r.Generations));
        Assert.Equal(2, rollups.Sum(r => r.CacheLookups));
        Assert.Equal(1, rollups.Sum(r => r.CacheHits));
        // The streamed one is timed at its 120 ms first token; the whole answer (900 ms to its only chunk) is not.
        var timed = Assert.Single(rollups, r => r.TtftBucket != Features.Rollups.LatencyHistogram.Untimed);
        Assert.Equal(1, timed.Generations);
        Assert.Equal(120, Features.Rollups.LatencyHistogram.Representative(timed.TtftBucket), 120 * 0.022);
    }

    /// <summary>Publishes the batch and waits until the consumer has taken it <paramref name="deliveries"/> times in all.</summary>
    private async Task ConsumeBatchAsync(InferenceCompletedBatch message, int deliveries)
    {
        await _harness.Bus.Publish(message);
        var ids = message.Inferences.Select(i => i.InferenceId).ToList();
        var consumer = _harness.GetConsumerHarness<InferenceCompletedBatchConsumer>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (consumer.Consumed.Select<Batch<InferenceCompletedBatch>>(new CancellationToken(true))
                   .SelectMany(m => m.Context.Message).Count(x => x.Message.Inferences.Select(i => i.InferenceId).SequenceEqual(ids)) < deliveries)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the batch was not consumed {deliveries} times");
            await Task.Delay(20);
        }
        Assert.False(await _harness.Published.Any<Fault<InferenceCompletedBatch>>(cancellationToken: new CancellationToken(true)));
    }

    [Fact]
    public async Task An_InferenceCompletedBatch_becomes_one_trace_per_inference_and_its_redelivery_changes_nothing()
    {
        var inferences = Enumerable.Range(0, 25).Select(i => Inferences.Successful(question: $"question {i}")).ToList();
        var message = new InferenceCompletedBatch { Inferences = inferences };

        await ConsumeBatchAsync(message, deliveries: 1);
        await ConsumeBatchAsync(message, deliveries: 2);

        foreach (var (inference, i) in inferences.Select((inference, i) => (inference, i)))
        {
            var (trace, observations) = await ReadAsync("project-a", inference.TraceId);
            Assert.NotNull(trace);
            Assert.Contains($"question {i}", trace.Input);
            var generation = Assert.Single(observations);
            Assert.Equal(inference.InferenceId, generation.InferenceId);
        }
    }

    [Fact]
    public async Task A_redelivered_event_changes_nothing()
    {
        var inference = Inferences.Successful();

        await ConsumeAsync(inference);
        await ConsumeAsync(inference);

        var (trace, observations) = await ReadAsync("project-a", inference.TraceId);
        Assert.NotNull(trace);
        Assert.Single(observations);
    }

    [Fact]
    public async Task Generations_that_join_one_trace_become_one_tree_and_the_trace_spans_them_all()
    {
        var root = Inferences.Successful(question: "plan", answer: "step one");
        var child = Inferences.Successful(traceId: root.TraceId, parentSpanId: root.SpanId, question: "detail", answer: "step two") with
        {
            StartedAt = root.StartedAt.AddSeconds(5),
            CompletedAt = root.StartedAt.AddSeconds(6),
        };

        await ConsumeAsync(child);
        await ConsumeAsync(root);

        var (trace, observations) = await ReadAsync("project-a", root.TraceId);
        Assert.Equal(2, observations.Count);
        Assert.Equal(root.SpanId, observations.Single(o => o.Id == child.SpanId).ParentId);
        Assert.Equal(root.StartedAt.UtcDateTime, DateTime.SpecifyKind(trace!.StartTime, DateTimeKind.Utc));
        Assert.Equal(child.CompletedAt.UtcDateTime, DateTime.SpecifyKind(trace.EndTime!.Value, DateTimeKind.Utc));
        Assert.Contains("plan", trace.Input);
        Assert.Equal("step one", trace.Output);
    }

    [Fact]
    public async Task A_failed_inference_marks_its_generation_and_trace_as_errors()
    {
        var failed = Inferences.Successful() with
        {
            Status = InferenceStatuses.UpstreamError,
            ErrorType = "rate_limit_exceeded",
            ErrorMessage = "slow down",
            HttpStatus = 429,
        };

        await ConsumeAsync(failed);

        var (trace, observations) = await ReadAsync("project-a", failed.TraceId);
        Assert.Equal("error", trace!.Status);
        Assert.Equal("error", observations.Single().Status);
        Assert.Contains("rate_limit_exceeded", observations.Single().StatusMessage);
    }

    [Fact]
    public async Task The_same_trace_id_in_two_projects_stays_two_traces()
    {
        var ofA = Inferences.Successful(projectId: "project-a");
        var ofB = Inferences.Successful(projectId: "project-b", traceId: ofA.TraceId, answer: "B's answer");

        await ConsumeAsync(ofA);
        await ConsumeAsync(ofB);

        var (traceA, observationsA) = await ReadAsync("project-a", ofA.TraceId);
        var (traceB, observationsB) = await ReadAsync("project-b", ofA.TraceId);
        Assert.Equal("Refunds within 30 days.", traceA!.Output);
        Assert.Equal("B's answer", traceB!.Output);
        Assert.Single(observationsA);
        Assert.Single(observationsB);
    }
}
