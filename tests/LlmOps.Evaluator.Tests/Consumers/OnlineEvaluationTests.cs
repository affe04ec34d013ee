using System.Net.Http.Json;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Feedback;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests.Consumers;

public class OnlineEvaluationTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private EvaluatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EvaluatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private List<ScoreRecorded> ScoresOf(string traceId) => _host.Captured<ScoreRecorded>().Messages.Where(s => s.TraceId == traceId).ToList();

    [Fact]
    public async Task Default_evaluators_score_a_rag_trace_and_say_not_applicable_where_a_metric_is_undefined()
    {
        var rag = Traces.Trace("project-b", "How many days does express shipping take?", "Express shipping takes one business day.",
            documents: ["Express shipping takes one business day. Standard shipping takes five days."], dataSource: "kb");
        var plain = Traces.Trace("project-b", "Tell me a joke", "Why did the chicken cross the road? To get to the other side.");

        await _host.PublishAndWaitAsync([rag, plain]);

        var ragScores = await Eventually.UntilAsync(() => Task.FromResult(ScoresOf(rag.TraceId) is { Count: 5 } s ? s : null), Wait, "five scores");
        Assert.Equal(["answer_relevance", "context_relevance", "faithfulness", "pii_leak", "refusal"], ragScores.Select(s => s.Name).Order());
        Assert.All(ragScores, s => Assert.Equal((ScoreSources.Eval, ScoreStatuses.Ok, "answer", 1, "gpt-x", "kb"),
            (s.Source, s.Status, s.PromptName, s.PromptVersion!.Value, s.Model, s.DataSourceId)));
        Assert.True(ragScores.Single(s => s.Name == "faithfulness").Value >= 0.8);
        Assert.Equal(1, ragScores.Single(s => s.Name == "refusal").Value);

        var plainScores = await Eventually.UntilAsync(() => Task.FromResult(ScoresOf(plain.TraceId) is { Count: 5 } s ? s : null), Wait, "five scores");
        var faithfulness = plainScores.Single(s => s.Name == "faithfulness");
        Assert.Equal(ScoreStatuses.NotApplicable, faithfulness.Status);
        Assert.Null(faithfulness.Value);
        Assert.False(string.IsNullOrEmpty(faithfulness.Explanation));
    }

    [Fact]
    public async Task Traces_published_many_per_message_are_scored_like_single_ones()
    {
        var traces = Enumerable.Range(0, 150).Select(i => Traces.Trace("project-b", $"Question {i}?", $"Answer {i}.")).ToList();

        await _host.PublishAndWaitAsync(traces, batched: true);

        var ids = traces.Select(t => t.TraceId).ToHashSet();
        await Eventually.TrueAsync(() => Task.FromResult(_host.Captured<ScoreRecorded>().Messages.Count(s => ids.Contains(s.TraceId!)) == 150 * 5),
            Wait, "five scores for each of 150 traces");
    }

    [Fact]
    public async Task The_evaluators_own_judge_traffic_is_never_evaluated()
    {
        var judge = Traces.Trace("project-b", "Rate this answer", "Score: 4", evaluatorTraffic: true);
        var normal = Traces.Trace("project-b", "Hello?", "Hello! How can I help?");

        await _host.PublishAndWaitAsync([judge, normal]);

        await Eventually.TrueAsync(() => Task.FromResult(ScoresOf(normal.TraceId).Count > 0), Wait, "the normal trace scored");
        Assert.Empty(ScoresOf(judge.TraceId));
    }

    [Fact]
    public async Task Filters_and_sampling_decide_which_traces_an_evaluator_sees()
    {
        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);
        (await a.PostAsJsonAsync("/api/evaluators", new { name = "orders-json", kind = "json_valid", promptName = "orders" })).EnsureSuccessStatusCode();
        (await a.PostAsJsonAsync("/api/evaluators", new { name = "never", kind = "refusal", samplingRate = 0 })).EnsureSuccessStatusCode();
        (await a.PostAsJsonAsync("/api/evaluators", new { name = "half", kind = "pii_leak", samplingRate = 0.5 })).EnsureSuccessStatusCode();
        var orders = Enumerable.Range(0, 200).Select(i => Traces.Trace("project-a", "q", """{"ok":true}""", prompt: "orders")).ToList();
        var other = Traces.Trace("project-a", "q", "not json", prompt: "chat");

        await _host.PublishAndWaitAsync([.. orders, other]);

        // The scores reach the capture over the bus, after the evaluator finished.
        var scores = await Eventually.UntilAsync(() => Task.FromResult(_host.Captured<ScoreRecorded>().Messages.Where(s => s.ProjectId == "project-a").ToList()
            is var all && all.Count(s => s.Name == "json_valid") == 200 ? all : null), Wait, "200 json scores");
        await Task.Delay(300);
        scores = _host.Captured<ScoreRecorded>().Messages.Where(s => s.ProjectId == "project-a").ToList();
        Assert.DoesNotContain(scores, s => s.TraceId == other.TraceId && s.Name == "json_valid");
        Assert.DoesNotContain(scores, s => s.Name == "refusal");
        // A deterministic hash of trace and evaluator: about half, and the same half on every replica and redelivery.
        Assert.InRange(scores.Count(s => s.Name == "pii_leak"), 70, 131);
        Assert.All(scores.Where(s => s.Name == "pii_leak"),
            s => Assert.True(Features.Online.OnlineEvaluation.Sampled(s.TraceId!, "half", 0.5)));
    }

    [Fact]
    public async Task A_redelivered_trace_gets_the_same_score_ids_and_a_later_revision_new_ones()
    {
        var first = Traces.Trace("project-b", "Hi", "Hello there, how can I help you today?");
        var again = first with { };
        var revised = first with { Revision = 2, Answer = "Hello! What can I do for you?" };

        await _host.PublishAndWaitAsync([first]);
        await _host.PublishAndWaitAsync([again]);
        await _host.PublishAndWaitAsync([revised]);

        var scores = await Eventually.UntilAsync(() => Task.FromResult(ScoresOf(first.TraceId) is { Count: >= 15 } s ? s : null), Wait, "three passes");
        var byPass = scores.GroupBy(s => s.ScoreId).ToList();
        Assert.Equal(10, byPass.Count);
        Assert.Equal(5, byPass.Count(g => g.Count() == 2));
    }

    [Fact]
    public async Task Malformed_batches_from_other_services_are_absorbed_without_faults()
    {
        var bus = _host.Host.Services.GetRequiredService<IBus>();
        await bus.Publish(new ScoreRecordedBatch { Scores = null! });
        await bus.Publish(new FeedbackReceivedBatch { Feedbacks = null! });
        await bus.Publish(new ScoreRecorded
        {
            ScoreId = Guid.NewGuid(), ProjectId = new string('p', 500), TraceId = "t", Name = "json_valid", DataType = "boolean", Source = "human",
            Value = 0, RecordedAt = DateTimeOffset.UtcNow,
        });
        var huge = Traces.Trace("project-b", new string('q', 200_000), new string('a', 500_000), documents: [new string('d', 1_000_000)]);

        await _host.PublishAndWaitAsync([huge]);

        await Eventually.TrueAsync(() => Task.FromResult(ScoresOf(huge.TraceId).Count == 5), Wait, "the huge trace scored");
        var progress = System.Text.Json.JsonSerializer.SerializeToElement(_host.Progress().Snapshot());
        Assert.Equal(0, progress.GetProperty("failed").GetInt64());
        await Task.Delay(500);
        Assert.Empty(_host.Captured<Fault<ScoreRecordedBatch>>().Messages);
        Assert.Empty(_host.Captured<Fault<ScoreRecorded>>().Messages);
        Assert.Empty(_host.Captured<Fault<FeedbackReceivedBatch>>().Messages);
    }
}
