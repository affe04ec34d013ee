using System.Net.Http.Json;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Inference;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Judges;
using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests.Judges;

/// <summary>
/// Judges through a real inference-proxy to the LLM simulator, scripted to answer like a judge (directives in the
/// judged text reach the simulator inside the judge prompt), including judges that answer nonsense or fail.
/// </summary>
public class JudgeTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private TestHost _simulator = null!;
    private TestHost _proxy = null!;
    private EvaluatorHost _evaluator = null!;

    public async ValueTask InitializeAsync()
    {
        _simulator = await SimulatorHost.StartAsync();
        _proxy = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(InferenceProxyExtensions.ServiceName);
                builder.AddInferenceProxy();
                builder.Services.AddSingleton<MessageCapture<InferenceCompleted>>();
                builder.AddServiceConsumer<CaptureConsumer<InferenceCompleted>>("test");
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapInferenceProxyEndpoints();
            },
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["InferenceProxy:Deployments:0:Name"] = "simulator",
                ["InferenceProxy:Deployments:0:BaseUrl"] = new Uri(_simulator.BaseAddress, "v1").ToString(),
                ["InferenceProxy:Deployments:0:Models:0"] = "*",
                ["InferenceProxy:Budgets:Enabled"] = "false",
                ["InferenceProxy:PublishAsBatch"] = "false",
                ["InferenceProxy:Retry:MaxAttempts"] = "1",
            });
        _evaluator = await EvaluatorHost.StartAsync(new Dictionary<string, string?>
        {
            ["Evaluator:Gateway:BaseUrl"] = _proxy.BaseAddress.ToString(),
            ["Evaluator:Gateway:ApiKey"] = TestHost.AdminKey,
        });
        using var a = _evaluator.Host.CreateClient(EvaluatorHost.KeyOfA);
        (await a.PostAsJsonAsync("/api/evaluators", new { name = "hallucination", kind = "hallucination", judgeDeployment = "sim-judge" }))
            .EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await _evaluator.DisposeAsync();
        await _proxy.DisposeAsync();
        await _simulator.DisposeAsync();
    }

    private static string Scripted(string reply) => $"[[sim:response={reply}]]";

    private async Task<ScoreRecorded> JudgedAsync(TraceCompleted trace)
    {
        await _evaluator.PublishAndWaitAsync([trace]);
        return await Eventually.UntilAsync(() => Task.FromResult(_evaluator.Captured<ScoreRecorded>().Messages
            .FirstOrDefault(s => s.TraceId == trace.TraceId && s.Name == "hallucination")), Wait, "the judge's score");
    }

    [Fact]
    public async Task A_judge_verdict_becomes_a_score_with_rubric_judge_model_and_explanation_and_its_call_is_priced_traffic_tagged_as_evaluator()
    {
        var trace = Traces.Trace("project-a", "How long is the warranty?",
            "The warranty lasts 99 years. " + Scripted("""{"score": 0.1, "verdict": "hallucinated", "explanation": "The context says two years."}"""),
            documents: ["The warranty lasts two years."]);

        var score = await JudgedAsync(trace);

        Assert.Equal((ScoreStatuses.Ok, 0.1, "hallucinated"), (score.Status, score.Value!.Value, score.Label));
        Assert.Equal("The context says two years.", score.Explanation);
        Assert.Equal(("hallucination/v1", "sim-judge", "judge/1", ScoreSources.Eval), (score.RubricVersion, score.JudgeModel, score.EvaluatorVersion, score.Source));
        var call = await Eventually.UntilAsync(() => Task.FromResult(_proxy.Services.GetRequiredService<MessageCapture<InferenceCompleted>>().Messages
            .FirstOrDefault(i => i.Metadata.TryGetValue("evaluatedTrace", out var t) && t == trace.TraceId)), Wait, "the judge call's inference");
        Assert.True(call.IsEvaluatorTraffic);
        Assert.Equal(("evaluator:hallucination", "sim-judge", "default"), (call.Feature, call.RequestedModel, call.ProjectId));
        Assert.Equal("project-a", call.Metadata["evaluatedProject"]);
    }

    [Fact]
    public async Task A_judge_that_answers_nonsense_or_fails_records_an_error_not_a_score()
    {
        var nonsense = Traces.Trace("project-a", "q?", "An answer. " + Scripted("Looks fine to me"));
        var failing = Traces.Trace("project-a", "q?", "An answer. [[sim:fail=500]]");
        var outOfRange = Traces.Trace("project-a", "q?", "An answer. " + Scripted("""{"score": 8, "verdict": "factual"}"""));

        foreach (var (trace, reason) in new[] { (nonsense, "no score"), (failing, "gateway answered"), (outOfRange, "outside 0") })
        {
            var score = await JudgedAsync(trace);
            Assert.Equal(ScoreStatuses.Error, score.Status);
            Assert.Null(score.Value);
            Assert.Contains(reason, score.Explanation);
        }
        var status = await _evaluator.Host.CreateClient(EvaluatorHost.KeyOfA).GetFromJsonAsync<System.Text.Json.JsonElement>("/api/evaluators/status");
        Assert.True(status.GetProperty("judges").GetProperty("scores").GetInt64() >= 3);
    }

    [Fact]
    public async Task Traces_published_many_per_message_are_judged_each()
    {
        var traces = Enumerable.Range(0, 12).Select(i => Traces.Trace("project-a", $"q{i}?",
            $"Answer {i}. " + Scripted($$"""{"score": {{(i % 2 == 0 ? "0.9" : "0.1")}}}"""))).ToList();

        await _evaluator.PublishAndWaitAsync(traces, batched: true);

        var ids = traces.Select(t => t.TraceId).ToHashSet();
        var scores = await Eventually.UntilAsync(() => Task.FromResult(_evaluator.Captured<ScoreRecorded>().Messages
            .Where(s => s.Name == "hallucination" && ids.Contains(s.TraceId!)).ToList() is { Count: 12 } all ? all : null), Wait, "12 verdicts");
        Assert.Equal(6, scores.Count(s => s.Label == "hallucinated"));
        Assert.Equal(6, scores.Count(s => s.Label == "factual"));
    }

    [Fact]
    public async Task The_judge_lane_skips_traces_no_judge_is_configured_for_and_its_own_traffic()
    {
        var otherProject = Traces.Trace("project-b", "q?", "a " + Scripted("""{"score": 1}"""));
        var judgeTraffic = Traces.Trace("project-a", "q?", "a " + Scripted("""{"score": 1}"""), evaluatorTraffic: true);

        await _evaluator.PublishAndWaitAsync([otherProject, judgeTraffic]);
        await Task.Delay(300);

        Assert.DoesNotContain(_evaluator.Captured<ScoreRecorded>().Messages, s => s.Name == "hallucination"
            && (s.TraceId == otherProject.TraceId || s.TraceId == judgeTraffic.TraceId));
    }

    [Fact]
    public async Task Pairwise_comparison_asks_both_orders_and_calls_an_order_dependent_verdict_a_tie()
    {
        await using var scope = _evaluator.Host.Services.CreateAsyncScope();
        var pairwise = scope.ServiceProvider.GetRequiredService<PairwiseJudge>();
        // The simulator obeys the last directive in the prompt, i.e. the one in whichever answer is shown second.
        var consistent = await pairwise.CompareAsync("sim-judge", "Warranty?",
            "Two years. " + Scripted("""{"winner": "B"}"""), "Ninety-nine years. " + Scripted("""{"winner": "A"}"""), null, CancellationToken.None);
        var biased = await pairwise.CompareAsync("sim-judge", "Warranty?",
            "Two years. " + Scripted("""{"winner": "A"}"""), "Ninety-nine years. " + Scripted("""{"winner": "A"}"""), null, CancellationToken.None);
        var broken = await pairwise.CompareAsync("sim-judge", "Warranty?", "x " + Scripted("no idea"), "y", null, CancellationToken.None);

        Assert.Equal(("A", true), (consistent.Winner, consistent.Consistent));
        Assert.Equal(("tie", false), (biased.Winner, biased.Consistent));
        Assert.NotNull(broken.Error);
    }
}
