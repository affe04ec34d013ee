using LlmOps.Contracts.Actions;
using LlmOps.Evaluator.Features.Loop;

namespace LlmOps.Evaluator.Tests.Unit.Loop;

public class DecisionTableTests
{
    private static readonly DateTime Now = new(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);
    private static readonly LoopOptions Options = new();

    private static List<Diagnosis> Diagnose(IEnumerable<ScorePoint> points) => PointWindow.Diagnose(points.ToList(), Options, Now.AddHours(-24), Now);

    /// <summary>n scores of one metric on one prompt version, the first <paramref name="failures"/> failing (value 0), the rest passing.</summary>
    internal static IEnumerable<ScorePoint> Scores(string metric, int version, int n, int failures, int minutesAgo = 60, string? dataSource = null,
        string model = "gpt-x", Func<int, double>? value = null, string prefix = "t", string prompt = "answer")
    {
        for (var i = 0; i < n; i++)
        {
            yield return new ScorePoint($"{prefix}-v{version}-{i}", metric, value?.Invoke(i) ?? (i < failures ? 0 : 1), prompt, version, model, dataSource,
                Now.AddMinutes(-minutesAgo).AddSeconds(i));
        }
    }

    [Fact]
    public void Json_failures_on_the_current_version_with_a_significantly_better_earlier_one_roll_back()
    {
        var diagnoses = Diagnose([.. Scores(ScoreNames.JsonValid, 2, 100, 2, minutesAgo: 120), .. Scores(ScoreNames.JsonValid, 3, 100, 40, minutesAgo: 30)]);

        var rollback = Assert.Single(diagnoses);
        Assert.Equal(ActionKinds.PromptRollback, rollback.Kind);
        Assert.Equal(ActionPaths.Prompt, rollback.Path);
        Assert.Equal((3, 2), (rollback.PromptVersion, rollback.ToVersion!.Value));
        Assert.Equal(ScoreNames.JsonValid, rollback.Evidence.Metric);
        Assert.Equal((100, 40, 0.4), (rollback.Evidence.SampleSize, rollback.Evidence.FailureCount, rollback.Evidence.Rate));
        Assert.Equal((100, 0.02), (rollback.Evidence.BaselineSampleSize, rollback.Evidence.BaselineRate));
        Assert.True(rollback.Evidence.IntervalLow > Options.FailureRateThreshold && rollback.Evidence.IntervalHigh < 0.6);
        Assert.Equal(Options.Examples, rollback.Evidence.ExampleTraceIds.Count);
        Assert.All(rollback.Evidence.ExampleTraceIds, id => Assert.StartsWith("t-v3-", id));
    }

    [Fact]
    public void The_best_earlier_version_is_the_rollback_target()
    {
        var diagnoses = Diagnose([
            .. Scores(ScoreNames.JsonSchema, 1, 80, 8, minutesAgo: 300), .. Scores(ScoreNames.JsonSchema, 2, 80, 1, minutesAgo: 200),
            .. Scores(ScoreNames.JsonSchema, 3, 80, 40, minutesAgo: 30)]);

        Assert.Equal(2, Assert.Single(diagnoses).ToVersion);
    }

    [Fact]
    public void A_failing_version_without_a_better_earlier_one_asks_for_a_revision_with_examples()
    {
        var diagnoses = Diagnose([.. Scores(ScoreNames.Refusal, 1, 60, 25)]);

        var revision = Assert.Single(diagnoses);
        Assert.Equal(ActionKinds.PromptRevision, revision.Kind);
        Assert.Equal(1, revision.PromptVersion);
        Assert.Equal(25, revision.FailingTraceIds.Count);
    }

    [Fact]
    public void An_earlier_version_that_fails_as_much_is_no_rollback_target()
    {
        var diagnoses = Diagnose([.. Scores(ScoreNames.JsonValid, 2, 100, 35, minutesAgo: 120), .. Scores(ScoreNames.JsonValid, 3, 100, 40, minutesAgo: 30)]);

        Assert.Equal(ActionKinds.PromptRevision, Assert.Single(diagnoses).Kind);
    }

    [Fact]
    public void Noise_within_the_intervals_proposes_nothing()
    {
        var diagnoses = Diagnose([
            .. Scores(ScoreNames.JsonValid, 2, 200, 6, minutesAgo: 120), .. Scores(ScoreNames.JsonValid, 3, 200, 10, minutesAgo: 30),
            .. Scores(ScoreNames.ContextRelevance, 3, 200, 12), .. Scores(ScoreNames.Faithfulness, 3, 200, 9, prefix: "f")]);

        Assert.Empty(diagnoses);
    }

    [Fact]
    public void Too_few_samples_are_never_judged_however_bad_they_look()
    {
        var diagnoses = Diagnose([.. Scores(ScoreNames.JsonValid, 2, 29, 0, minutesAgo: 120), .. Scores(ScoreNames.JsonValid, 3, 29, 29, minutesAgo: 30)]);

        Assert.Empty(diagnoses);
    }

    [Fact]
    public void Only_the_version_traffic_is_on_now_is_judged()
    {
        // v3 broke, then traffic moved back to v2: nothing more to ask for.
        var diagnoses = Diagnose([.. Scores(ScoreNames.JsonValid, 3, 100, 40, minutesAgo: 120), .. Scores(ScoreNames.JsonValid, 2, 100, 1, minutesAgo: 10)]);

        Assert.Empty(diagnoses);
    }

    [Fact]
    public void Retrieval_misses_with_faithful_answers_go_to_the_rag_path_and_not_the_prompt_path()
    {
        var diagnoses = Diagnose([
            .. Scores(ScoreNames.ContextRelevance, 1, 100, 45, dataSource: "kb-docs"),
            .. Scores(ScoreNames.Faithfulness, 1, 100, 3, dataSource: "kb-docs"),
            .. Scores(ScoreNames.JsonValid, 1, 100, 1, dataSource: "kb-docs")]);

        var action = Assert.Single(diagnoses);
        Assert.Equal((ActionPaths.Rag, ActionKinds.RetrievalImprovement), (action.Path, action.Kind));
        Assert.Equal("kb-docs", action.DataSourceId);
        Assert.Equal(ScoreNames.ContextRelevance, action.Metric);
        Assert.Equal(45, action.Evidence.FailureCount);
    }

    [Fact]
    public void Retrieval_misses_with_unfaithful_answers_are_not_blamed_on_retrieval_alone()
    {
        var diagnoses = Diagnose([
            .. Scores(ScoreNames.ContextRelevance, 1, 100, 45, dataSource: "kb"),
            .. Scores(ScoreNames.Faithfulness, 1, 100, 50, dataSource: "kb")]);

        Assert.DoesNotContain(diagnoses, d => d.Kind == ActionKinds.RetrievalImprovement);
    }

    [Fact]
    public void Unfaithful_answers_to_relevant_context_across_prompt_versions_call_for_fine_tuning()
    {
        var diagnoses = Diagnose([
            .. Scores(ScoreNames.ContextRelevance, 1, 60, 0, minutesAgo: 200), .. Scores(ScoreNames.Faithfulness, 1, 60, 24, minutesAgo: 200),
            .. Scores(ScoreNames.ContextRelevance, 2, 60, 0, minutesAgo: 30), .. Scores(ScoreNames.Faithfulness, 2, 60, 22, minutesAgo: 30)]);

        var action = Assert.Single(diagnoses);
        Assert.Equal((ActionPaths.FineTune, ActionKinds.FineTuneCuration), (action.Path, action.Kind));
        Assert.Equal("gpt-x", action.Model);
        Assert.Equal((120, 46), (action.Evidence.SampleSize, action.Evidence.FailureCount));
    }

    [Fact]
    public void Unfaithful_answers_on_one_version_only_are_that_versions_problem()
    {
        var diagnoses = Diagnose([
            .. Scores(ScoreNames.ContextRelevance, 1, 60, 0, minutesAgo: 200), .. Scores(ScoreNames.Faithfulness, 1, 60, 1, minutesAgo: 200),
            .. Scores(ScoreNames.ContextRelevance, 2, 60, 0, minutesAgo: 30), .. Scores(ScoreNames.Faithfulness, 2, 60, 30, minutesAgo: 30)]);

        var action = Assert.Single(diagnoses);
        Assert.Equal(ActionKinds.PromptRollback, action.Kind);
        Assert.Equal((2, 1), (action.PromptVersion, action.ToVersion!.Value));
        Assert.Equal(ScoreNames.Faithfulness, action.Metric);
    }

    [Fact]
    public void Unfaithful_answers_where_retrieval_missed_do_not_count_for_fine_tuning()
    {
        var diagnoses = Diagnose([
            .. Scores(ScoreNames.ContextRelevance, 1, 60, 60, minutesAgo: 200), .. Scores(ScoreNames.Faithfulness, 1, 60, 30, minutesAgo: 200),
            .. Scores(ScoreNames.ContextRelevance, 2, 60, 60, minutesAgo: 30), .. Scores(ScoreNames.Faithfulness, 2, 60, 30, minutesAgo: 30)]);

        Assert.DoesNotContain(diagnoses, d => d.Path == ActionPaths.FineTune);
    }

    [Fact]
    public void Queries_that_found_nothing_relevant_are_the_knowledge_gap_candidates()
    {
        var points = Scores(ScoreNames.ContextRelevance, 1, 50, 0, value: i => i < 10 ? 0.1 : i < 20 ? 0.4 : 0.9).ToList();

        var relevance = Assert.Single(PointWindow.Summarize(points, Options).Sources);
        Assert.Equal((50, 20, 10), (relevance.N, relevance.Failing, relevance.GapCandidates));
    }

    [Fact]
    public void A_rescored_trace_counts_once_with_its_latest_score()
    {
        // 100 traces on v3 failed JSON, then were re-scored as passing: nothing is wrong with v3 any more.
        var diagnoses = Diagnose([
            .. Scores(ScoreNames.JsonValid, 2, 100, 2, minutesAgo: 120), .. Scores(ScoreNames.JsonValid, 3, 100, 100, minutesAgo: 30),
            .. Scores(ScoreNames.JsonValid, 3, 100, 0, minutesAgo: 10)]);

        Assert.Empty(diagnoses);
    }
}
