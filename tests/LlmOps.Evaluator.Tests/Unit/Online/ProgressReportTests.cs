using LlmOps.Contracts.Evaluation;
using LlmOps.Evaluator.Features.Online;
using LlmOps.Testing;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Tests.Unit.Online;

public class ProgressReportTests
{
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Progress_lag_is_zero_when_idle_and_grows_while_a_held_batch_does_not_finish()
    {
        var start = new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(start);
        var progress = new EvaluationProgress(clock, Options.Create(new EvaluatorOptions()), EvaluationProgress.LexicalLane);
        clock.Now = start.AddHours(1);                       // idle for an hour: no lag
        Assert.Equal(0, progress.LagSeconds());

        progress.Started(3);                                 // busy from now, not from the last batch an hour ago
        clock.Now = start.AddHours(1).AddSeconds(40);
        Assert.Equal(40, progress.LagSeconds());
        Assert.Equal(3, progress.Backlog);

        progress.Finished(3, 0, [], [clock.Now.AddSeconds(-2)]);
        Assert.Equal(0, progress.LagSeconds());
    }

    [Fact]
    public async Task Every_lane_reports_its_progress_on_the_bus_each_period()
    {
        await using var evaluator = await EvaluatorHost.StartAsync(new Dictionary<string, string?> { ["Evaluator:ProgressReportSeconds"] = "1" });

        await Eventually.TrueAsync(() => Task.FromResult(evaluator.Captured<EvaluatorProgressReported>().Messages
                .Select(r => r.Lane).Distinct().Count() == 2),
            TimeSpan.FromSeconds(20), "a progress report from both lanes");

        var report = evaluator.Captured<EvaluatorProgressReported>().Messages.First();
        Assert.Equal(ProgressReporter.Instance, report.Instance);
        Assert.Equal(1, report.IntervalSeconds);
        Assert.Equal(0, report.Backlog);
        Assert.False(report.Stalled);
    }
}
