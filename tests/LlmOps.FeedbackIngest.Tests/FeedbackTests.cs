using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Feedback;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.FeedbackIngest.Tests;

/// <summary>feedback-ingest over real HTTP with SQLite (or PostgreSQL, see StartAsync) and the in-memory bus; what it publishes captured.</summary>
public class FeedbackTests : IAsyncLifetime
{
    private const string KeyOfA = "feedback-project-a-key-0123456789";
    private const string KeyOfB = "feedback-project-b-key-0123456789";
    private TestHost _host = null!;



    internal static async Task<TestHost> StartAsync(Dictionary<string, string?>? extra = null)
    {
        // SQLite, or with LLMOPS_FEEDBACK_TESTS_ON_POSTGRES=1 a fresh database of the test PostgreSQL (binary COPY there).
        var settings = Environment.GetEnvironmentVariable("LLMOPS_FEEDBACK_TESTS_ON_POSTGRES") == "1"
            ? TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync("feedback"))
            : new Dictionary<string, string?> { ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")) };
        // No trace-collector in this host: the ownership check has its own test (TraceOwnershipTests).
        settings["FeedbackIngest:CheckTraceProject"] = "false";
        foreach (var (key, value) in extra ?? [])
            settings[key] = value;
        return await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(FeedbackIngestExtensions.ServiceName);
                builder.AddFeedbackIngest();
                builder.Services.AddSingleton<IApiKeyResolver>(new TestProjectKeys((KeyOfA, "project-a"), (KeyOfB, "project-b")));
                builder.Services.AddSingleton<MessageCapture<FeedbackReceived>>();
                builder.Services.AddSingleton<MessageCapture<ScoreRecorded>>();
                builder.AddServiceConsumer<CaptureConsumer<FeedbackReceived>>("test");
                builder.AddServiceConsumer<CaptureConsumer<ScoreRecorded>>("test");
                builder.AddServiceConsumer<BatchCaptureConsumer>("test");
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapFeedbackIngestEndpoints();
            },
            settings);
    }

    public async ValueTask InitializeAsync() => _host = await StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private ConcurrentQueue<FeedbackReceived> Feedback => _host.Services.GetRequiredService<MessageCapture<FeedbackReceived>>().Messages;

    private ConcurrentQueue<ScoreRecorded> Scores => _host.Services.GetRequiredService<MessageCapture<ScoreRecorded>>().Messages;

    private async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(object body, string key = KeyOfA)
    {
        using var client = _host.CreateClient(key);
        var response = await client.PostAsJsonAsync("/api/feedback", body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    [Fact]
    public async Task A_thumbs_down_is_published_as_feedback_and_a_human_score_once_per_idempotency_key()
    {
        var trace = Guid.NewGuid().ToString("N");
        var feedback = new { traceId = trace, kind = "thumbs", value = false, userId = "u-1", comment = "wrong date", idempotencyKey = "click-1" };

        var (first, body) = await PostAsync(feedback);
        var (second, again) = await PostAsync(feedback);

        Assert.Equal(HttpStatusCode.Accepted, first);
        Assert.Equal(HttpStatusCode.Accepted, second);
        var id = body!["ids"]![0]!.GetValue<Guid>();
        Assert.Equal(id, again!["ids"]![0]!.GetValue<Guid>());
        var published = await Eventually.UntilAsync(() => Task.FromResult(Feedback.FirstOrDefault(f => f.FeedbackId == id)),
            TimeSpan.FromSeconds(15), "FeedbackReceived");
        var score = await Eventually.UntilAsync(() => Task.FromResult(Scores.FirstOrDefault(s => s.ScoreId == id)),
            TimeSpan.FromSeconds(15), "the human score");
        await Task.Delay(300);
        Assert.Single(Feedback, f => f.FeedbackId == id);
        Assert.Equal(("project-a", trace, "thumbs", 0d, "wrong date"), (published.ProjectId, published.TraceId, published.Kind, published.Value, published.Comment));
        Assert.Equal(("user_feedback", ScoreSources.Human, ScoreDataTypes.Boolean, 0d), (score.Name, score.Source, score.DataType, score.Value));
    }

    [Fact]
    public async Task A_batch_of_a_rating_a_correction_and_a_comment_is_accepted_and_listed_for_its_trace_only_to_its_project()
    {
        var trace = Guid.NewGuid().ToString("N");
        var (status, body) = await PostAsync(new
        {
            feedback = new object[]
            {
                new { traceId = trace, kind = "rating", value = 4 },
                new { traceId = trace, observationId = "gen-1", kind = "correction", correction = "The order ships on Monday." },
                new { traceId = trace, kind = "comment", comment = "Friendly tone." },
            },
        });

        Assert.Equal(HttpStatusCode.Accepted, status);
        var ids = body!["ids"]!.AsArray().Select(i => i!.GetValue<Guid>()).ToList();
        Assert.Equal(3, ids.Count);
        await Eventually.TrueAsync(() => Task.FromResult(ids.All(id => Feedback.Any(f => f.FeedbackId == id))), TimeSpan.FromSeconds(15), "all three");
        await Eventually.TrueAsync(() => Task.FromResult(Scores.Count(s => s.TraceId == trace) == 2), TimeSpan.FromSeconds(15), "two scores");
        Assert.Contains(Scores, s => s.TraceId == trace && s.Name == "user_rating" && s.Value == 4);
        Assert.Contains(Scores, s => s.TraceId == trace && s.Name == "user_correction" && s.ObservationId == "gen-1");
        Assert.Equal("The order ships on Monday.", Feedback.Single(f => f.TraceId == trace && f.Kind == "correction").Correction);

        var mine = JsonNode.Parse(await _host.CreateClient(KeyOfA).GetStringAsync($"/api/feedback?traceId={trace}"))!;
        var theirs = JsonNode.Parse(await _host.CreateClient(KeyOfB).GetStringAsync($"/api/feedback?traceId={trace}"))!;
        Assert.Equal(3, mine["data"]!.AsArray().Count);
        Assert.Empty(theirs["data"]!.AsArray());
    }

    [Fact]
    public async Task Feedback_the_broker_does_not_confirm_is_kept_unpublished_answered_503_and_counted_once_when_resent()
    {
        await using var host = await StartAsync(new() { ["Messaging:PublishTimeout"] = "00:00:00.300" });
        var stall = new StallingPublishObserver { Stalled = true };
        using var connected = host.Services.GetRequiredService<IBus>().ConnectPublishObserver(stall);
        var trace = Guid.NewGuid().ToString("N");
        var batch = new
        {
            feedback = new object[]
            {
                new { traceId = trace, kind = "thumbs", value = true, idempotencyKey = "stall-1" },
                new { traceId = trace, kind = "rating", value = 2, idempotencyKey = "stall-2" },
            },
        };
        using var client = host.CreateClient(KeyOfA);
        async Task<JsonArray> StoredAsync() =>
            JsonNode.Parse(await client.GetStringAsync($"/api/feedback?traceId={trace}"))!["data"]!.AsArray();

        var refused = await client.PostAsJsonAsync("/api/feedback", batch);

        Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)refused.StatusCode}: {await refused.Content.ReadAsStringAsync()}");
        Assert.NotNull(refused.Headers.RetryAfter);
        var kept = await StoredAsync();
        Assert.Equal(2, kept.Count);
        Assert.All(kept, f => Assert.False(f!["published"]!.GetValue<bool>()));

        stall.Stalled = false;
        var resent = await client.PostAsJsonAsync("/api/feedback", batch);

        Assert.Equal(HttpStatusCode.Accepted, resent.StatusCode);
        var ids = JsonNode.Parse(await resent.Content.ReadAsStringAsync())!["ids"]!.AsArray().Select(i => i!.GetValue<Guid>()).ToList();
        Assert.Equal(kept.Select(f => f!["id"]!.GetValue<Guid>()).Order(), ids.Order());
        var captured = host.Services.GetRequiredService<MessageCapture<FeedbackReceived>>().Messages;
        await Eventually.TrueAsync(() => Task.FromResult(ids.All(id => captured.Any(f => f.FeedbackId == id))), TimeSpan.FromSeconds(15), "both published");
        await Task.Delay(300);
        Assert.Equal(2, captured.Count(f => f.TraceId == trace));
        Assert.All(await StoredAsync(), f => Assert.True(f!["published"]!.GetValue<bool>()));
    }

    /// <summary>A broker that takes the message but never confirms, while <see cref="Stalled"/>: the publish waits until its deadline.</summary>
    private sealed class StallingPublishObserver : IPublishObserver
    {
        public volatile bool Stalled;

        public Task PrePublish<T>(PublishContext<T> context) where T : class =>
            Stalled ? Task.Delay(Timeout.Infinite, context.CancellationToken) : Task.CompletedTask;

        public Task PostPublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

        public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }

    [Theory]
    [InlineData("""{"traceId": "t", "kind": "rating", "value": 6}""", "1 to 5")]
    [InlineData("""{"traceId": "t", "kind": "rating", "value": 3.5}""", "whole number")]
    [InlineData("""{"traceId": "t", "kind": "thumbs", "value": "yes"}""", "number or a boolean")]
    [InlineData("""{"traceId": "t", "kind": "applause"}""", "kind is one of")]
    [InlineData("""{"kind": "thumbs", "value": true}""", "traceId is required")]
    [InlineData("""{"traceId": "t", "kind": "label"}""", "needs a label")]
    [InlineData("""{"traceId": "t", "kind": "correction"}""", "corrected answer")]
    [InlineData("""{"feedback": [{"traceId": "t", "kind": "thumbs", "value": true}, {"traceId": "t", "kind": "rating"}]}""", "feedback[1]")]
    [InlineData("""{"feedback": []}""", "1 to 100")]
    [InlineData("""{"traceId": "t", "kind": """, "not valid JSON")]
    public async Task Invalid_feedback_is_refused_with_what_is_wrong_and_nothing_is_published(string json, string reason)
    {
        using var client = _host.CreateClient(KeyOfA);
        var before = Feedback.Count;

        var response = await client.PostAsync("/api/feedback", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        Assert.Equal(before, Feedback.Count);
    }

    [Fact]
    public async Task An_oversized_comment_and_the_admin_key_are_refused()
    {
        var (tooLong, _) = await PostAsync(new { traceId = "t", kind = "comment", comment = new string('x', 4_001) });
        var (admin, _) = await PostAsync(new { traceId = "t", kind = "thumbs", value = true }, key: TestHost.AdminKey);

        Assert.Equal(HttpStatusCode.BadRequest, tooLong);
        Assert.Equal(HttpStatusCode.Forbidden, admin);
    }

    [Fact]
    public async Task Each_key_is_rate_limited_with_a_retry_after()
    {
        await using var limited = await StartAsync(new Dictionary<string, string?> { ["FeedbackIngest:RequestsPerSecondPerKey"] = "2" });
        using var client = limited.CreateClient(KeyOfA);

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++)
            responses.Add(await client.PostAsJsonAsync("/api/feedback", new { traceId = "t", kind = "thumbs", value = true }));

        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.Equal("1", refused[0].Headers.RetryAfter!.ToString());
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Accepted);
    }
}
