using System.Net.Http.Json;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Judges;
using LlmOps.Evaluator.Features.Online;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests.Consumers;

/// <summary>The judge lane reads finished traces only while some project has a judge evaluator.</summary>
public class JudgeLaneTests : IAsyncLifetime
{
    private EvaluatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EvaluatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private long JudgeLaneTaken() =>
        System.Text.Json.JsonSerializer.SerializeToElement(_host.Progress(EvaluationProgress.JudgeLane).Snapshot()) is var s
            ? s.GetProperty("evaluated").GetInt64() + s.GetProperty("skipped").GetInt64()
            : 0;

    [Fact]
    public async Task Without_judges_the_lane_acknowledges_traces_unread_and_reads_them_once_a_project_configures_one()
    {
        var lane = _host.Host.Services.GetRequiredService<JudgeLane>();
        Assert.False(lane.AnyJudges);
        var traces = Enumerable.Range(0, 150).Select(i => Traces.Trace("project-a", $"question {i}", $"answer {i}", traceId: $"unjudged-{i}")).ToList();

        // Checks run on all of them; the judge lane's queues take them without handing one to its consumers (which count
        // every trace they are given, judged or skipped).
        await _host.PublishAndWaitAsync(traces[..50]);
        await _host.PublishAndWaitAsync(traces[50..], batched: true);
        await Task.Delay(500);
        Assert.Equal(0, JudgeLaneTaken());

        // A judge evaluator in project A: the lane reads again (and takes every trace, judged or not).
        using var client = _host.Host.CreateClient(EvaluatorHost.KeyOfA);
        var created = await client.PostAsJsonAsync("/api/evaluators", new { name = "hallucination", kind = "hallucination", judgeDeployment = "sim-judge" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        Assert.True(lane.AnyJudges);
        var other = Enumerable.Range(0, 3).Select(i => Traces.Trace("project-b", $"q {i}", $"a {i}", traceId: $"b-{i}")).ToList();
        await _host.PublishAndWaitAsync(other);
        Assert.Equal(3, JudgeLaneTaken());
    }
}
