using LlmOps.Evaluator.Features.Loop;

namespace LlmOps.Evaluator.Tests.Unit.Loop;

public class LoopPacerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_project_marked_again_within_the_interval_waits_and_then_gets_one_pass()
    {
        var pacer = new LoopPacer(Second);

        Assert.Equal(["p"], pacer.Due(["p"], T0));
        Assert.Empty(pacer.Due(["p"], T0.AddMilliseconds(100)));
        Assert.Empty(pacer.Due(["p"], T0.AddMilliseconds(500)));
        Assert.Equal(TimeSpan.FromMilliseconds(500), pacer.NextDueIn(T0.AddMilliseconds(500)));
        Assert.Equal(["p"], pacer.Due([], T0.AddMilliseconds(1_000)));
        Assert.Null(pacer.NextDueIn(T0.AddMilliseconds(1_000)));
        Assert.Empty(pacer.Due([], T0.AddMilliseconds(3_000)));
    }

    [Fact]
    public void Projects_are_paced_independently_of_each_other()
    {
        var pacer = new LoopPacer(Second);

        Assert.Equal(["a"], pacer.Due(["a"], T0));
        Assert.Equal(["b"], pacer.Due(["a", "b"], T0.AddMilliseconds(400)));
        Assert.Equal(["a"], pacer.Due(["b"], T0.AddMilliseconds(1_000)));
        Assert.Equal(["b"], pacer.Due([], T0.AddMilliseconds(1_400)));
    }

    [Fact]
    public void A_zero_interval_runs_every_marked_project_every_time()
    {
        var pacer = new LoopPacer(TimeSpan.Zero);

        Assert.Equal(["p"], pacer.Due(["p"], T0));
        Assert.Equal(["p"], pacer.Due(["p"], T0));
        Assert.Null(pacer.NextDueIn(T0));
    }

    [Fact]
    public void A_quick_pass_lets_the_next_come_sooner_and_a_slow_one_waits_at_most_the_interval()
    {
        var pacer = new LoopPacer(Second);

        Assert.Equal(["big", "small"], pacer.Due(["small", "big"], T0));
        pacer.Ran("small", TimeSpan.FromMilliseconds(10));
        pacer.Ran("big", TimeSpan.FromMilliseconds(900));

        // The small project: four times 10 ms is below the floor, so 100 ms. The big one: 3.6 s, capped at the interval.
        Assert.Empty(pacer.Due(["small", "big"], T0.AddMilliseconds(50)));
        Assert.Equal(TimeSpan.FromMilliseconds(50), pacer.NextDueIn(T0.AddMilliseconds(50)));
        Assert.Equal(["small"], pacer.Due([], T0.AddMilliseconds(100)));
        Assert.Equal(["big"], pacer.Due([], T0.AddMilliseconds(1_000)));
    }

    [Fact]
    public void A_pass_of_middling_cost_waits_four_times_its_duration()
    {
        var pacer = new LoopPacer(Second);

        pacer.Due(["p"], T0);
        pacer.Ran("p", TimeSpan.FromMilliseconds(50));

        Assert.Empty(pacer.Due(["p"], T0.AddMilliseconds(199)));
        Assert.Equal(["p"], pacer.Due([], T0.AddMilliseconds(200)));
    }
}
