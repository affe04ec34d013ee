using LlmOps.Evaluator.Features.Drift;

namespace LlmOps.Evaluator.Tests.Unit.Drift;

public class DriftRulesTests
{
    private static readonly DriftOptions Options = new();

    [Fact]
    public void A_response_model_the_baseline_never_served_is_served_model_drift_naming_old_and_new()
    {
        var finding = DriftRules.ServedModel(new Dictionary<string, long> { ["gpt-4o-2024-08-06"] = 300 },
            new Dictionary<string, long> { ["gpt-4o-2024-08-06"] = 60, ["gpt-4o-2024-11-20"] = 90 }, Options);

        Assert.NotNull(finding);
        Assert.Equal((DriftKinds.ServedModel, "new_response_model", 0.6, 0.05), (finding.Kind, finding.Statistic, finding.Value, finding.Threshold));
        Assert.Contains("gpt-4o-2024-08-06 → gpt-4o-2024-11-20", finding.Detail);
    }

    [Fact]
    public void A_new_id_on_a_sliver_of_traffic_or_on_too_few_traces_is_not_drift()
    {
        Assert.Null(DriftRules.ServedModel(new Dictionary<string, long> { ["a"] = 300 }, new Dictionary<string, long> { ["a"] = 196, ["b"] = 4 }, Options));
        Assert.Null(DriftRules.ServedModel(new Dictionary<string, long> { ["a"] = 50 }, new Dictionary<string, long> { ["b"] = 200 }, Options));
        Assert.Null(DriftRules.ServedModel(new Dictionary<string, long> { ["a"] = 300, ["b"] = 1 }, new Dictionary<string, long> { ["b"] = 200 }, Options));
    }

    [Fact]
    public void A_refusal_rate_jumping_from_2_to_30_percent_is_behaviour_drift()
    {
        var finding = DriftRules.Rate(DriftKinds.Behaviour, "refusal_rate", "Refusal rate", 10, 500, 60, 200, Options, 0.01);

        Assert.NotNull(finding);
        Assert.Equal((0.3, 0.02), (finding.Value, finding.Threshold));
        Assert.Contains("two-proportion", finding.Detail);
    }

    [Fact]
    public void A_rate_that_moves_little_or_on_small_samples_is_not_drift()
    {
        // Significant with enough traffic, but under the minimum change.
        Assert.Null(DriftRules.Rate(DriftKinds.Behaviour, "refusal_rate", "r", 2_000, 100_000, 3_100, 100_000, Options, 0.01));
        // A big change on too few traces.
        Assert.Null(DriftRules.Rate(DriftKinds.Behaviour, "refusal_rate", "r", 1, 50, 15, 50, Options, 0.01));
        // Noise: 3 % against 4 %.
        Assert.Null(DriftRules.Rate(DriftKinds.Behaviour, "refusal_rate", "r", 15, 500, 6, 150, Options, 0.01));
    }

    [Fact]
    public void Answers_getting_much_shorter_is_answer_length_drift_with_both_medians()
    {
        var baseline = Enumerable.Range(300, 200).ToDictionary(v => v, _ => 2L);
        var current = Enumerable.Range(40, 100).ToDictionary(v => v, _ => 2L);

        var finding = DriftRules.AnswerLength(baseline, current, Options, 0.01);

        Assert.NotNull(finding);
        Assert.Equal("answer_length_psi", finding.Statistic);
        Assert.True(finding.Value >= 0.25);
        Assert.Contains("median 399 → 89", finding.Detail);
    }

    [Fact]
    public void Rising_terms_name_what_the_new_queries_are_about()
    {
        var baseline = Enumerable.Repeat("order ship", 100).ToList();
        var current = Enumerable.Repeat("passport renew", 60).Concat(Enumerable.Repeat("order ship", 40)).ToList();

        Assert.Equal(["passport", "renew"], Features.Drift.DriftDetector.RisingTerms(baseline, current, 5));
    }

    [Fact]
    public void Drift_ids_are_the_same_within_an_hour_and_differ_across_statistics()
    {
        var id = DriftDetector.IdFor("p", "answer|gpt-4o", DriftKinds.Behaviour, "refusal_rate", 100);

        Assert.Equal(id, DriftDetector.IdFor("p", "answer|gpt-4o", DriftKinds.Behaviour, "refusal_rate", 100));
        Assert.NotEqual(id, DriftDetector.IdFor("p", "answer|gpt-4o", DriftKinds.Behaviour, "answer_length_psi", 100));
        Assert.NotEqual(id, DriftDetector.IdFor("p", "answer|gpt-4o", DriftKinds.Behaviour, "refusal_rate", 101));
    }

    [Fact]
    public void Query_signatures_ignore_numbers_and_are_stable()
    {
        var a = QuerySignature.Of("Where is my order 7?");
        var b = QuerySignature.Of("Where is my order 8?");

        Assert.Equal(a, b);
        Assert.InRange(a.Bucket!.Value, 0, QuerySignature.Buckets - 1);
        Assert.Equal("order", a.Terms);
        Assert.Equal(new QuerySignature.Signature(null, null), QuerySignature.Of("42?"));
        Assert.Equal(new QuerySignature.Signature(null, null), QuerySignature.Of(null));
    }
}
