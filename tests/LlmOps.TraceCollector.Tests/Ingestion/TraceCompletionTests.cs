using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Inference;
using LlmOps.Contracts.Tracing;
using LlmOps.Testing;

namespace LlmOps.TraceCollector.Tests.Ingestion;

/// <summary>
/// Trace completion: TraceCompleted once a trace has ended and gone quiet, carrying what evaluators need, again with a
/// higher revision after late observations; and scores from the bus stored with their traces.
/// </summary>
public class TraceCompletionTests : IAsyncLifetime
{
    private CollectorHost _collector = null!;

    public async ValueTask InitializeAsync() => _collector = await CollectorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _collector.DisposeAsync();

    private Task<TraceCompleted> CompletedAsync(string traceId, int revision = 1) =>
        Eventually.UntilAsync(() => Task.FromResult(_collector.Completed.FirstOrDefault(c => c.TraceId == traceId && c.Revision == revision)),
            TimeSpan.FromSeconds(15), $"TraceCompleted {traceId} revision {revision}");

    private async Task IngestAsync(string key, params JsonObject[] events)
    {
        using var client = _collector.Host.CreateClient(key);
        var response = await client.PostAsJsonAsync("/api/ingest", new JsonObject { ["batch"] = new JsonArray(events) });
        Assert.Equal((HttpStatusCode)207, response.StatusCode);
    }

    private static JsonObject Event(string type, JsonObject body) => new()
    {
        ["id"] = Guid.NewGuid().ToString("N"),
        ["type"] = type,
        ["body"] = body,
    };

    [Fact]
    public async Task A_gateway_request_becomes_a_completed_trace_with_its_question_answer_model_and_tokens()
    {
        var inference = Inferences.Successful(projectId: "project-a");

        await _collector.PublishAsync(inference);
        var completed = await CompletedAsync(inference.TraceId);

        Assert.Equal("project-a", completed.ProjectId);
        Assert.Equal("What is our refund policy?", completed.Question);
        Assert.Equal("Refunds within 30 days.", completed.Answer);
        // The model asked for, and the snapshot the provider said it served (drift detection watches the latter).
        Assert.Equal(("sim-small", "sim-small-2026"), (completed.Model, completed.ResponseModel));
        Assert.Equal((120L, 30L), (completed.InputTokens, completed.OutputTokens));
        Assert.Equal(("ok", "support", "user-1", "session-1"), (completed.Status, completed.Feature, completed.UserId, completed.SessionId));
        Assert.True(completed.LatencyMs > 0);
        Assert.Equal(1, completed.ObservationCount);
    }

    [Fact]
    public async Task An_app_trace_waits_for_its_open_span_then_carries_the_retrieved_documents()
    {
        var trace = Guid.NewGuid().ToString("N");
        await IngestAsync(CollectorHost.KeyOfA,
            Event("trace-create", new JsonObject { ["id"] = trace, ["name"] = "rag", ["input"] = "When does order 7 ship?" }),
            Event("span-create", new JsonObject { ["id"] = "root", ["traceId"] = trace, ["name"] = "handle", ["startTime"] = "2026-11-21T10:00:00Z" }),
            Event("span-create", new JsonObject { ["id"] = "docs", ["traceId"] = trace, ["parentObservationId"] = "root", ["type"] = "retriever",
                ["startTime"] = "2026-11-21T10:00:00Z", ["endTime"] = "2026-11-21T10:00:00.100Z",
                ["output"] = new JsonArray(new JsonObject { ["id"] = "d1", ["content"] = "Order 7 ships Monday.", ["score"] = 0.91 }) }));

        await Task.Delay(600);
        Assert.DoesNotContain(_collector.Completed, c => c.TraceId == trace);

        await IngestAsync(CollectorHost.KeyOfA,
            Event("generation-create", new JsonObject { ["id"] = "gen", ["traceId"] = trace, ["parentObservationId"] = "root", ["model"] = "m-1",
                ["startTime"] = "2026-11-21T10:00:00.100Z", ["endTime"] = "2026-11-21T10:00:01Z", ["output"] = "Monday.",
                ["usage"] = new JsonObject { ["input"] = 50, ["output"] = 3 } }),
            Event("span-update", new JsonObject { ["id"] = "root", ["traceId"] = trace, ["endTime"] = "2026-11-21T10:00:01.100Z" }));
        var completed = await CompletedAsync(trace);

        Assert.Equal("When does order 7 ship?", completed.Question);
        Assert.Equal("Monday.", completed.Answer);
        var document = Assert.Single(completed.RetrievedDocuments);
        Assert.Equal(("d1", "Order 7 ships Monday.", 0.91), (document.Id, document.Content, document.Score));
        Assert.Equal("m-1", completed.Model);
        // One model field only: requested and served cannot be told apart.
        Assert.Null(completed.ResponseModel);
        Assert.Equal(3, completed.ObservationCount);
        Assert.Equal(1100, completed.LatencyMs, 1);
    }

    [Fact]
    public async Task A_late_observation_publishes_the_trace_again_with_the_next_revision()
    {
        var inference = Inferences.Successful(projectId: "project-a");
        await _collector.PublishAsync(inference);
        await CompletedAsync(inference.TraceId);

        var late = Inferences.Successful(projectId: "project-a", traceId: inference.TraceId, parentSpanId: inference.SpanId,
            question: "follow-up", answer: "second answer");
        await _collector.PublishAsync(late);
        var second = await CompletedAsync(inference.TraceId, revision: 2);

        Assert.Equal(2, second.ObservationCount);
        Assert.Single(_collector.Completed, c => c.TraceId == inference.TraceId && c.Revision == 1);
    }

    [Fact]
    public async Task Gateway_rag_contexts_and_triggered_guardrails_reach_the_trace()
    {
        var inference = Inferences.Successful(projectId: "project-a") with
        {
            GuardrailVerdicts =
            [
                new GuardrailVerdict { Rail = "pii", Stage = "input", Action = "redact", Triggered = true, Detail = "email" },
                new GuardrailVerdict { Rail = "prompt-injection", Stage = "input", Action = "none", Triggered = false, Score = 0.1 },
            ],
        };
        inference = inference with { Content = inference.Content! with { Contexts = ["Refunds: 30 days.", "Exchanges: 60 days."] } };

        await _collector.PublishAsync(inference);
        var completed = await CompletedAsync(inference.TraceId);
        var (_, observations, _) = await _collector.ReadAsync("project-a", inference.TraceId);

        Assert.Equal(["Refunds: 30 days.", "Exchanges: 60 days."], completed.RetrievedDocuments.Select(d => d.Content));
        var guardrail = Assert.Single(observations, o => o.Type == "guardrail");
        Assert.Equal(inference.SpanId, guardrail.ParentId);
        Assert.Contains("pii", guardrail.Name);
    }

    [Fact]
    public async Task Scores_from_the_bus_are_stored_with_their_trace_and_a_rerun_updates_them()
    {
        var inference = Inferences.Successful(projectId: "project-a");
        await _collector.PublishAsync(inference);
        await CompletedAsync(inference.TraceId);
        var score = new ScoreRecorded
        {
            ScoreId = Guid.NewGuid(),
            ProjectId = "project-a",
            TraceId = inference.TraceId,
            Name = "faithfulness",
            DataType = ScoreDataTypes.Numeric,
            Value = 0.4,
            Source = ScoreSources.Eval,
            EvaluatorName = "rag-judge",
            RecordedAt = DateTimeOffset.UtcNow,
        };

        await _collector.PublishAsync(score);
        await _collector.PublishAsync(score with { Value = 0.9 });

        await Eventually.TrueAsync(async () => (await _collector.ReadAsync("project-a", inference.TraceId)).Scores is [{ Value: 0.9 }],
            TimeSpan.FromSeconds(15), "the re-run score");
        var stored = Assert.Single((await _collector.ReadAsync("project-a", inference.TraceId)).Scores);
        Assert.Equal(("faithfulness", "eval", "rag-judge"), (stored.Name, stored.Source, stored.EvaluatorName));
    }

    [Fact]
    public async Task Scores_published_many_per_message_are_stored_with_their_traces()
    {
        var first = Inferences.Successful(projectId: "project-a");
        var second = Inferences.Successful(projectId: "project-a");
        await _collector.PublishAsync(new InferenceCompletedBatch { Inferences = [first, second] });
        await CompletedAsync(first.TraceId);
        ScoreRecorded Score(string traceId, string name, double value) => new()
        {
            ScoreId = Guid.NewGuid(),
            ProjectId = "project-a",
            TraceId = traceId,
            Name = name,
            DataType = ScoreDataTypes.Numeric,
            Value = value,
            Source = ScoreSources.Human,
            RecordedAt = DateTimeOffset.UtcNow,
        };

        await _collector.PublishAsync(new ScoreRecordedBatch
        {
            Scores = [Score(first.TraceId, "user_rating", 4), Score(second.TraceId, "user_rating", 2), Score(second.TraceId, "user_thumbs", 0)],
        });

        await Eventually.TrueAsync(async () => (await _collector.ReadAsync("project-a", second.TraceId)).Scores.Count == 2,
            TimeSpan.FromSeconds(15), "both scores of the second trace");
        var scoreOfFirst = Assert.Single((await _collector.ReadAsync("project-a", first.TraceId)).Scores);
        Assert.Equal(4, scoreOfFirst.Value);
    }
}
