using LlmOps.Contracts.Actions;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests;

/// <summary>
/// The evaluator over real HTTP with the in-memory bus on SQLite (or, with LLMOPS_EVALUATOR_TESTS_ON_POSTGRES=1, a fresh
/// database of the test PostgreSQL); two project keys; every score and action it publishes captured.
/// </summary>
public sealed class EvaluatorHost : IAsyncDisposable
{
    public const string KeyOfA = "key-a-0123456789abcdef";
    public const string KeyOfB = "key-b-0123456789abcdef";

    private EvaluatorHost(TestHost host) => Host = host;

    public TestHost Host { get; }

    public static async Task<EvaluatorHost> StartAsync(IDictionary<string, string?>? extra = null)
    {
        var settings = Environment.GetEnvironmentVariable("LLMOPS_EVALUATOR_TESTS_ON_POSTGRES") == "1"
            ? TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync("evaluator"))
            : new Dictionary<string, string?> { ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")) };
        settings["Evaluator:BatchWaitMs"] = "20";
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            settings[key] = value;
        var host = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(EvaluatorExtensions.ServiceName);
                builder.AddEvaluator();
                builder.Services.AddSingleton<IApiKeyResolver>(new TestProjectKeys((KeyOfA, "project-a"), (KeyOfB, "project-b")));
                builder.Services.AddSingleton<MessageCapture<ScoreRecorded>>();
                builder.AddServiceConsumer<BatchCaptureConsumer>("test");
                Capture<OptimizationActionProposed>(builder);
                Capture<PromptRollbackRequested>(builder);
                Capture<PromptRevisionRequested>(builder);
                Capture<RetrievalImprovementRequested>(builder);
                Capture<KnowledgeGapDetected>(builder);
                Capture<FineTuneExamplesCurated>(builder);
                Capture<FineTuneDatasetReady>(builder);
                Capture<Fault<ScoreRecordedBatch>>(builder);
                Capture<Fault<ScoreRecorded>>(builder);
                Capture<Fault<Contracts.Feedback.FeedbackReceivedBatch>>(builder);
                Capture<DriftDetected>(builder);
                Capture<EvaluatorProgressReported>(builder);
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapEvaluatorEndpoints();
            },
            settings);
        return new EvaluatorHost(host);
    }

    public MessageCapture<T> Captured<T>() where T : class => Host.Services.GetRequiredService<MessageCapture<T>>();

    public InMemoryTopicPublisher Topics => (InMemoryTopicPublisher)Host.Services.GetRequiredService<ITopicPublisher>();

    /// <summary>Publishes one TraceCompleted per message, or, with <paramref name="batched"/>, as trace-collector does: TraceCompletedBatch of 100.</summary>
    public async Task PublishAsync(IEnumerable<TraceCompleted> traces, bool batched = false)
    {
        var bus = Host.Services.GetRequiredService<IBus>();
        if (batched)
        {
            foreach (var chunk in traces.Chunk(100))
                await bus.Publish(new TraceCompletedBatch { Traces = chunk });
            return;
        }
        foreach (var trace in traces)
            await bus.Publish(trace);
    }

    public Features.Online.EvaluationProgress Progress(string lane = Features.Online.EvaluationProgress.LexicalLane) =>
        Host.Services.GetRequiredKeyedService<Features.Online.EvaluationProgress>(lane);

    /// <summary>
    /// Publishes and waits until both lanes (checks and judges) have taken every one of them (evaluated or skipped); the
    /// judge lane only while some project has a judge (otherwise its queues acknowledge the traces unread).
    /// </summary>
    public async Task PublishAndWaitAsync(IReadOnlyCollection<TraceCompleted> traces, bool batched = false)
    {
        var lanes = Host.Services.GetRequiredService<Features.Judges.JudgeLane>().AnyJudges
            ? new[] { Progress(), Progress(Features.Online.EvaluationProgress.JudgeLane) }
            : [Progress()];
        var before = lanes.Select(Received).ToArray();
        var failedBefore = lanes.Select(Failed).ToArray();
        await PublishAsync(traces, batched);
        await Eventually.TrueAsync(() =>
        {
            // A consumer that throws would otherwise only show as a wait that times out.
            if (lanes.Select((lane, i) => Failed(lane) > failedBefore[i]).Any(failed => failed))
                throw new Xunit.Sdk.XunitException($"The evaluator failed on a batch ({string.Join(", ", lanes.Select(l => $"{l.Lane}: {Failed(l)}"))}).");
            return Task.FromResult(lanes.Select((lane, i) => Received(lane) >= before[i] + traces.Count && !Busy(lane)).All(done => done));
        }, TimeSpan.FromSeconds(60), $"{traces.Count} traces evaluated");
    }

    private static long Received(Features.Online.EvaluationProgress progress)
    {
        var snapshot = System.Text.Json.JsonSerializer.SerializeToElement(progress.Snapshot());
        return snapshot.GetProperty("evaluated").GetInt64() + snapshot.GetProperty("skipped").GetInt64();
    }

    private static long Failed(Features.Online.EvaluationProgress progress) =>
        System.Text.Json.JsonSerializer.SerializeToElement(progress.Snapshot()).GetProperty("failed").GetInt64();

    private static bool Busy(Features.Online.EvaluationProgress progress) =>
        System.Text.Json.JsonSerializer.SerializeToElement(progress.Snapshot()).GetProperty("backlog").GetInt64() > 0;

    private static void Capture<T>(WebApplicationBuilder builder) where T : class
    {
        builder.Services.AddSingleton<MessageCapture<T>>();
        builder.AddServiceConsumer<CaptureConsumer<T>>("test");
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}

/// <summary>Builds finished traces the way trace-collector publishes them.</summary>
public static class Traces
{
    private static int _sequence;

    public static TraceCompleted Trace(string project, string? question, string? answer, string? prompt = "answer", int? version = 1,
        string model = "gpt-x", IEnumerable<string>? documents = null, string? dataSource = null, string? traceId = null, int revision = 1,
        bool evaluatorTraffic = false, string? feature = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var now = DateTimeOffset.UtcNow;
        return new TraceCompleted
        {
            TraceId = traceId ?? $"{Interlocked.Increment(ref _sequence):x8}{Guid.NewGuid():N}"[..32],
            ProjectId = project,
            Revision = revision,
            PromptName = prompt,
            PromptVersion = version,
            Model = model,
            Feature = feature,
            DataSourceId = dataSource,
            Question = question,
            Answer = answer,
            RetrievedDocuments = (documents ?? []).Select(d => new RetrievedDocument { Content = d }).ToList(),
            Status = "ok",
            IsEvaluatorTraffic = evaluatorTraffic,
            StartedAt = now.AddSeconds(-1),
            CompletedAt = now,
            Metadata = metadata ?? new Dictionary<string, string>(),
        };
    }
}
