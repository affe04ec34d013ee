using System.Collections.Concurrent;
using LlmOps.Contracts.Tracing;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using LlmOps.TraceCollector.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.TraceCollector.Tests;

/// <summary>trace-collector over real HTTP with SQLite and the in-memory bus; two project keys; TraceCompleted captured.</summary>
public sealed class CollectorHost : IAsyncDisposable
{
    public const string KeyOfA = "ingest-project-a-key-0123456789";
    public const string KeyOfB = "ingest-project-b-key-0123456789";

    private CollectorHost(TestHost host) => Host = host;

    public TestHost Host { get; }
    public ConcurrentQueue<TraceCompleted> Completed => Host.Services.GetRequiredService<MessageCapture<TraceCompleted>>().Messages;



    public static async Task<CollectorHost> StartAsync(Dictionary<string, string?>? settings = null)
    {
        // SQLite by default; LLMOPS_COLLECTOR_TESTS_ON_POSTGRES=1 runs the same tests on a fresh database of the test
        // PostgreSQL (scripts/deps.sh), where the store takes its COPY path.
        var all = Environment.GetEnvironmentVariable("LLMOPS_COLLECTOR_TESTS_ON_POSTGRES") == "1"
            ? TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync("collector"))
            : new Dictionary<string, string?> { ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")) };
        foreach (var (key, value) in new Dictionary<string, string?>
        {
            ["TraceCollector:QuietPeriodSeconds"] = "0",
            ["TraceCollector:CompletionScanIntervalMs"] = "100",
            ["TraceCollector:BusBatchWaitMs"] = "20",
        })
            all[key] = value;
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        var host = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults("trace-collector");
                builder.AddTraceCollector();
                builder.Services.AddSingleton<IApiKeyResolver>(new TestProjectKeys((KeyOfA, "project-a"), (KeyOfB, "project-b")));
                builder.Services.AddSingleton<MessageCapture<TraceCompleted>>();
                builder.AddServiceConsumer<CaptureConsumer<TraceCompleted>>("test");
                builder.AddServiceConsumer<BatchCaptureConsumer>("test");
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapTraceCollectorEndpoints();
            },
            all);
        return new CollectorHost(host);
    }

    public async Task<(TraceRecord? Trace, List<ObservationRecord> Observations, List<ScoreRecord> Scores)> ReadAsync(string projectId, string traceId)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var trace = await db.Traces.AsNoTracking().SingleOrDefaultAsync(t => t.ProjectId == projectId && t.Id == traceId);
        var observations = await db.Observations.AsNoTracking().Where(o => o.ProjectId == projectId && o.TraceId == traceId).ToListAsync();
        var scores = await db.Scores.AsNoTracking().Where(s => s.ProjectId == projectId && s.TraceId == traceId).ToListAsync();
        return (trace, observations, scores);
    }

    public Task PublishAsync<T>(T message) where T : class =>
        Host.Services.GetRequiredService<BoundedPublisher>().PublishAsync(message, CancellationToken.None);

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
