using LlmOps.Evaluator.Features.Experiments;

namespace LlmOps.Evaluator.Tests.Unit.Experiments;

public class ExperimentMathTests
{
    private static readonly ExperimentEvaluator Json = new("json_valid", "json_valid", null);
    private static readonly ExperimentEvaluator Faithfulness = new("faithfulness", "faithfulness", null);

    private static ExperimentMath.ResultRow Row(int item, double? json, double? faithfulness = null, string? error = null) =>
        new(new Guid(item, 0, 0, new byte[8]), error,
            error is not null ? null : System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, ItemScore>
            {
                ["json_valid"] = json is null ? new ItemScore("not_applicable", null, null, "n/a") : new ItemScore("ok", json, null, ""),
                ["faithfulness"] = faithfulness is null ? new ItemScore("not_applicable", null, null, "n/a") : new ItemScore("ok", faithfulness, null, ""),
            }, ExperimentSpec.Json),
            100, 10, 5);

    [Theory]
    [InlineData(0, 0, 1.0)]
    [InlineData(10, 0, 0.001953125)] // 2 × 0.5^10
    [InlineData(5, 5, 1.0)]
    [InlineData(8, 2, 0.109375)] // 2 × (1 + 10 + 45) / 1024
    public void Sign_test_is_the_exact_two_sided_binomial_tail(int wins, int losses, double p) =>
        Assert.Equal(p, ExperimentMath.SignTest(wins, losses), 9);

    [Fact]
    public void Sign_test_stays_finite_on_large_samples() =>
        Assert.InRange(ExperimentMath.SignTest(5_000, 5_100), 0.3, 0.4);

    [Fact]
    public void Means_leave_out_errors_and_not_applicable_items()
    {
        var rows = new[] { Row(1, 1, 0.5), Row(2, 0, null), Row(3, 1, 1.0), Row(4, null, null, error: "the gateway answered 500") };

        var aggregates = ExperimentMath.Aggregate([Json, Faithfulness], rows);

        Assert.Equal(4, aggregates.Items);
        Assert.Equal(1, aggregates.Errors);
        Assert.Equal(0.25, aggregates.ErrorRate);
        var json = aggregates.Metrics[0];
        Assert.Equal((3, 0.666667, 2), (json.Scored, json.PassRate!.Value, json.Passed!.Value));
        var faithfulness = aggregates.Metrics[1];
        Assert.Equal((2, 1, 0.75), (faithfulness.Scored, faithfulness.NotApplicable, faithfulness.Mean!.Value));
        Assert.Null(faithfulness.PassRate);
    }

    [Fact]
    public void Comparison_pairs_only_items_both_experiments_scored()
    {
        var baselineRows = new[] { Row(1, 1), Row(2, 1), Row(3, 1), Row(4, 0) };
        var candidateRows = new[] { Row(1, 0), Row(2, 1), Row(3, null, error: "timeout"), Row(4, 1), Row(5, 0) };
        var baseline = ExperimentMath.Aggregate([Json], baselineRows);
        var candidate = ExperimentMath.Aggregate([Json], candidateRows);

        var comparison = Assert.Single(ExperimentMath.Compare([Json, Faithfulness], candidate, candidateRows, [Json], baseline, baselineRows));

        Assert.Equal((3, 1, 1, 1), (comparison.Pairs, comparison.Wins, comparison.Losses, comparison.Ties));
        Assert.Equal(0.75, comparison.BaselineMean);
        Assert.Equal(0.5, comparison.CandidateMean);
        Assert.Equal(-0.25, comparison.Delta);
        Assert.Equal(1.0, comparison.PValue);
    }

    [Fact]
    public void The_gate_reports_every_condition_and_fails_on_any()
    {
        var rows = Enumerable.Range(1, 20).Select(i => Row(i, i <= 18 ? 1 : 0)).ToArray();
        var aggregates = ExperimentMath.Aggregate([Json], rows);
        var gate = new ExperimentGate { MinPassRate = new() { ["json_valid"] = 0.95 }, MinMean = new() { ["json_valid"] = 0.8 } };

        var conditions = GateVerdict.Decide(gate, aggregates, null, null);

        Assert.Equal(["max_error_rate", "min_mean", "min_pass_rate"], conditions.Select(c => c.Condition));
        Assert.Equal([true, true, false], conditions.Select(c => c.Passed));
        Assert.Equal("json_valid pass rate 0.9 over 20 items < 0.95", conditions[2].Reason);
    }
}
