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
}
