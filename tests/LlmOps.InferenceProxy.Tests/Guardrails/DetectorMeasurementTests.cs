using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Privacy;
using LlmOps.InferenceProxy.Features.Caching;
using LlmOps.InferenceProxy.Features.Guardrails;

namespace LlmOps.InferenceProxy.Tests.Guardrails;

/// <summary>
/// Precision and recall of the detectors on the labelled sets, printed for docs/guardrails.md and held above floors so a
/// change that makes a detector worse fails here.
/// </summary>
public sealed class DetectorMeasurementTests(ITestOutputHelper output)
{
    private static readonly IReadOnlySet<string> AllKinds = PiiKinds.All.ToHashSet();

    [Fact]
    public void Labelled_set_is_large_enough_and_half_benign()
    {
        var cases = LabelledSets.GuardrailCases();
        Assert.True(cases.Count >= 200, $"{cases.Count} cases");
        Assert.True(cases.Count(c => !c.Injection && c.Pii.Length == 0) * 2 >= cases.Count, "at least half benign");
        Assert.Equal(cases.Count, cases.Select(c => c.Id).Distinct().Count());
    }

    [Theory]
    [InlineData("development", 0.95, 0.85)]
    [InlineData("holdout", 0.90, 0.50)]
    public void Injection_detector_precision_and_recall_on_the_labelled_sets(string set, double minPrecision, double minRecall)
    {
        var cases = Cases(set);
        var (tp, fp, fn) = (0, 0, 0);
        foreach (var c in cases)
        {
            var result = InjectionDetector.Score(c.Text);
            var flagged = result.Score >= InjectionDetector.DefaultThreshold;
            if (flagged && c.Injection) tp++;
            else if (flagged) { fp++; output.WriteLine($"FP {c.Id} {result.Score} [{string.Join(",", result.Signals)}] {Cut(c.Text)}"); }
            else if (c.Injection) { fn++; output.WriteLine($"FN {c.Id} {result.Score} [{string.Join(",", result.Signals)}] {Cut(c.Text)}"); }
        }
        var (precision, recall) = Rates(tp, fp, fn);
        output.WriteLine($"injection ({set}): cases={cases.Count} positives={cases.Count(c => c.Injection)} tp={tp} fp={fp} fn={fn} precision={precision:0.000} recall={recall:0.000}");
        Assert.True(precision >= minPrecision, $"precision {precision:0.000}");
        Assert.True(recall >= minRecall, $"recall {recall:0.000}");
    }

    [Theory]
    [InlineData("development", 0.95, 0.95)]
    [InlineData("holdout", 0.90, 0.80)]
    public void Pii_detector_precision_and_recall_on_the_labelled_sets(string set, double minPrecision, double minRecall)
    {
        var cases = Cases(set);
        var perKind = PiiKinds.All.ToDictionary(k => k, _ => (Tp: 0, Fp: 0, Fn: 0));
        var (tp, fp, fn) = (0, 0, 0);
        foreach (var c in cases)
        {
            var found = PiiDetector.Find(c.Text, AllKinds).Select(m => m.Kind).ToHashSet();
            var expected = c.Pii.ToHashSet();
            if (found.Count > 0 && expected.Count > 0) tp++;
            else if (found.Count > 0) fp++;
            else if (expected.Count > 0) fn++;
            foreach (var kind in PiiKinds.All)
            {
                var (f, e) = (found.Contains(kind), expected.Contains(kind));
                var k = perKind[kind];
                perKind[kind] = (k.Tp + (f && e ? 1 : 0), k.Fp + (f && !e ? 1 : 0), k.Fn + (!f && e ? 1 : 0));
                if (f != e)
                    output.WriteLine($"{(f ? "FP" : "FN")} {kind} {c.Id} {Cut(c.Text)}");
            }
        }
        var (precision, recall) = Rates(tp, fp, fn);
        output.WriteLine($"pii ({set}, any kind): cases={cases.Count} positives={cases.Count(c => c.Pii.Length > 0)} tp={tp} fp={fp} fn={fn} precision={precision:0.000} recall={recall:0.000}");
        foreach (var (kind, k) in perKind)
        {
            var (p, r) = Rates(k.Tp, k.Fp, k.Fn);
            output.WriteLine($"  {kind}: tp={k.Tp} fp={k.Fp} fn={k.Fn} precision={p:0.000} recall={r:0.000}");
        }
        Assert.True(precision >= minPrecision, $"precision {precision:0.000}");
        Assert.True(recall >= minRecall, $"recall {recall:0.000}");
    }

    [Fact]
    public void Local_embedder_hit_and_false_hit_rates_on_the_paraphrase_set()
    {
        var pairs = LabelledSets.ParaphrasePairs();
        Assert.True(pairs.Count(p => p.Same) >= 50 && pairs.Count(p => !p.Same) >= 50);
        foreach (var threshold in new[] { 0.95, 0.9, 0.85, 0.8 })
        {
            var (hits, falseHits) = (0, 0);
            foreach (var pair in pairs)
            {
                var similarity = System.Numerics.Tensors.TensorPrimitives.Dot(LocalEmbedder.Embed(pair.A), LocalEmbedder.Embed(pair.B));
                if (similarity < threshold)
                    continue;
                if (pair.Same) hits++;
                else
                {
                    falseHits++;
                    if (threshold >= 0.95)
                        output.WriteLine($"false hit {pair.Id} {similarity:0.000}: '{pair.A}' / '{pair.B}'");
                }
            }
            output.WriteLine($"threshold {threshold:0.00}: hit rate {(double)hits / pairs.Count(p => p.Same):0.000} ({hits}/{pairs.Count(p => p.Same)}), " +
                $"false-hit rate {(double)falseHits / pairs.Count(p => !p.Same):0.000} ({falseHits}/{pairs.Count(p => !p.Same)})");
            if (threshold >= 0.95)
                Assert.True(falseHits <= pairs.Count(p => !p.Same) * 0.02, $"{falseHits} false hits at the default threshold");
        }
    }

    private static IReadOnlyList<LabelledSets.GuardrailCase> Cases(string set) =>
        set == "holdout" ? LabelledSets.HoldoutCases() : LabelledSets.GuardrailCases();

    private static (double Precision, double Recall) Rates(int tp, int fp, int fn) =>
        (tp + fp == 0 ? 1 : (double)tp / (tp + fp), tp + fn == 0 ? 1 : (double)tp / (tp + fn));

    private static string Cut(string text) => (text.Length > 110 ? text[..110] + "…" : text).ReplaceLineEndings(" ");
}
