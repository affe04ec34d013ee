using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using LlmOps.Contracts.Evaluation;

namespace LlmOps.Alerting.Tests.Engine;

/// <summary>The engine over the real metric windows: the reference's Wilson gate and a restart that keeps the windows.</summary>
public class RealMetricsTests
{
    private static readonly Dictionary<string, string?> NoWait = new() { ["Alerting:Route:GroupWait"] = "0s" };

    private static ScoreRecorded Score(string project, bool hallucinated, DateTimeOffset at) => new()
    {
        ScoreId = Guid.NewGuid(),
        ProjectId = project,
        TraceId = Guid.NewGuid().ToString("N"),
        Name = "hallucination",
        DataType = ScoreDataTypes.Categorical,
        Value = hallucinated ? 0 : 1,
        Label = hallucinated ? "hallucinated" : "factual",
        Source = ScoreSources.Eval,
        RecordedAt = at,
    };

    private static void Record(EngineHarness h, string project, int hallucinated, int total)
    {
        for (var i = 0; i < total; i++)
            h.Store.Record(Score(project, i < hallucinated, h.Clock.Now.AddSeconds(-30)));
    }

    [Fact]
    public async Task Eight_hallucinations_in_a_hundred_do_not_page_at_five_percent_and_nine_do()
    {
        await using var h = await EngineHarness.StartAsync(NoWait, realMetrics: true);
        Record(h, "eight", 8, 100);
        Record(h, "nine", 9, 100);
        Record(h, "few", 5, 20); // 25 %, but too few samples to say anything
        await h.StepAsync(TimeSpan.Zero);
        await h.StepAsync(TimeSpan.FromMinutes(5)); // the rule's for: 5m (the scores are still inside its 1h window)
        await h.StepAsync(TimeSpan.FromSeconds(1));

        var page = Assert.Single(h.PagerDutyRequests);
        var body = JsonDocument.Parse(page.Body).RootElement;
        Assert.Equal("llmops/hallucination_rate/project=nine", body.GetProperty("dedup_key").GetString());
        Assert.Equal("critical", body.GetProperty("payload").GetProperty("severity").GetString());
        Assert.Contains("9 %", body.GetProperty("payload").GetProperty("summary").GetString());
        Assert.DoesNotContain(h.Engine.Alerts, a => a.ProjectId is "eight" or "few");
    }

    [Fact]
    public async Task A_restart_brings_the_windows_back_so_a_firing_alert_stays_firing_without_a_new_page()
    {
        var first = await EngineHarness.StartAsync(NoWait, realMetrics: true);
        Record(first, "acme", 20, 100);
        await first.StepAsync(TimeSpan.Zero);
        await first.StepAsync(TimeSpan.FromMinutes(5));
        Assert.Single(first.PagerDutyRequests);
        await first.Host.Services.GetRequiredService<LlmOps.Alerting.Features.Metrics.MetricCheckpoints>().SaveAsync(CancellationToken.None);
        await first.StopAsync();

        await using var second = await EngineHarness.StartAsync(restartOf: first, realMetrics: true);
        await second.Host.Services.GetRequiredService<LlmOps.Alerting.Features.Metrics.MetricCheckpoints>().Restored.WaitAsync(TimeSpan.FromSeconds(30));
        await second.StepAsync(TimeSpan.FromMinutes(1));
        await second.StepAsync(TimeSpan.FromMinutes(1));
        Assert.Equal("firing", Features.Engine.AlertStore.StateName(second.Engine.Alerts.Single().Status.State));
        Assert.Single(second.PagerDutyRequests);
        await first.DisposeAsync();
    }
}
