using LlmOps.Contracts.Evaluation;
using LlmOps.Evaluator.Features.Loop;

namespace LlmOps.Evaluator.Tests.Unit.Loop;

public class CheckOutcomesTests
{
    private static ScoreRecorded Score(string name, double? value, string status = ScoreStatuses.Ok, string? traceId = "t1") => new()
    {
        ScoreId = Guid.NewGuid(), ProjectId = "p", TraceId = traceId, Name = name, DataType = ScoreDataTypes.Boolean, Value = value,
        Source = ScoreSources.Eval, Status = status, RecordedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public void The_masks_cover_exactly_the_decision_tables_instruction_metrics()
    {
        Assert.Equal(DecisionTable.InstructionMetrics.Order(StringComparer.Ordinal), CheckOutcomes.Metrics.Order(StringComparer.Ordinal));
        Assert.True(CheckOutcomes.Metrics.Count <= 31);
    }

    [Fact]
    public void Folded_check_scores_expand_back_to_the_same_names_and_values()
    {
        var outcomes = CheckOutcomes.Fold([Score(ScoreNames.JsonValid, 1), Score(ScoreNames.Regex, 0), Score(ScoreNames.Language, 1)]);

        Assert.Equal(
            [(ScoreNames.JsonValid, 1.0), (ScoreNames.Regex, 0.0), (ScoreNames.Language, 1.0)],
            outcomes.Expand().ToList());
    }

    [Fact]
    public void Rag_metrics_undefined_values_and_errors_stay_out_of_the_masks()
    {
        var scores = new[]
        {
            Score(ScoreNames.Faithfulness, 0.2), Score(ScoreNames.JsonValid, null, ScoreStatuses.NotApplicable), Score(ScoreNames.Regex, null, ScoreStatuses.Error),
            Score(ScoreNames.Length, double.NaN), Score(ScoreNames.Refusal, 1, traceId: null),
        };

        Assert.True(CheckOutcomes.Fold(scores).IsEmpty);
        Assert.All(scores, s => Assert.False(CheckOutcomes.Holds(s)));
    }

    [Fact]
    public void Two_evaluators_of_one_kind_fail_the_trace_if_either_failed()
    {
        var outcomes = CheckOutcomes.Fold([Score(ScoreNames.Regex, 1), Score(ScoreNames.Regex, 0)]);

        Assert.Equal([(ScoreNames.Regex, 0.0)], outcomes.Expand().ToList());
    }
}
