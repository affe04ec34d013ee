using LlmOps.Contracts.Evaluation;
using LlmOps.Evaluator.Infrastructure;
using System.Text.Json;

namespace LlmOps.Evaluator.Features.Experiments;

/// <summary>One metric's score of one item as stored in <c>experiment_results.scores</c>.</summary>
public sealed record ItemScore(string Status, double? Value, string? Label, string Explanation);

/// <summary>A metric over an experiment: the mean over the items it applied to (checks: the pass rate), never over errors or not-applicable ones.</summary>
public sealed record MetricAggregate(string Name, string Kind, bool Check, int Scored, int NotApplicable, int ScoreErrors, double? Mean, double? PassRate,
    int? Passed);

public sealed record ExperimentAggregates(int Items, int Errors, double ErrorRate, double? MeanLatencyMs, double? P95LatencyMs, long InputTokens,
    long OutputTokens, IReadOnlyList<MetricAggregate> Metrics);

/// <summary>
/// A metric of the candidate against the baseline: the difference of means, and a paired comparison over the items both
/// scored (wins, losses, ties of the candidate) with a two-sided sign test p-value (ties left out, as the test does).
/// </summary>
public sealed record MetricComparison(string Metric, double? BaselineMean, double? CandidateMean, double? Delta, int Pairs, int Wins, int Losses,
    int Ties, double PValue);

/// <summary>Aggregates an experiment's results and compares two experiments, item by item.</summary>
public static class ExperimentMath
{
    /// <summary>Differences of scores smaller than this are ties (rounding of lexical scores).</summary>
    public const double Tie = 1e-9;

    public sealed record ResultRow(Guid ItemId, string? Error, string? Scores, double LatencyMs, long InputTokens, long OutputTokens);

    public static Dictionary<string, ItemScore> ReadScores(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<Dictionary<string, ItemScore>>(json, ExperimentSpec.Json) ?? [];

    public static ExperimentAggregates Aggregate(IReadOnlyList<ExperimentEvaluator> evaluators, IReadOnlyList<ResultRow> rows)
    {
        var answered = rows.Where(r => r.Error is null).ToList();
        var scores = answered.Select(r => ReadScores(r.Scores)).ToList();
        var metrics = evaluators.Select(e =>
        {
            var values = scores.Select(s => s.GetValueOrDefault(e.Name)).Where(s => s is not null).ToList();
            var scored = values.Where(s => s!.Status == ScoreStatuses.Ok && s.Value is not null).Select(s => s!.Value!.Value).ToList();
            var mean = scored.Count == 0 ? (double?)null : Math.Round(scored.Average(), 6);
            var passed = e.IsCheck ? scored.Count(v => v >= 1 - Tie) : (int?)null;
            return new MetricAggregate(e.Name, e.Kind, e.IsCheck, scored.Count, values.Count(s => s!.Status == ScoreStatuses.NotApplicable),
                values.Count(s => s!.Status == ScoreStatuses.Error), mean, e.IsCheck ? mean : null, passed);
        }).ToList();
        var latencies = answered.Select(r => r.LatencyMs).Order().ToList();
        var errors = rows.Count - answered.Count;
        return new ExperimentAggregates(rows.Count, errors, rows.Count == 0 ? 0 : Math.Round((double)errors / rows.Count, 6),
            latencies.Count == 0 ? null : Math.Round(latencies.Average(), 1),
            latencies.Count == 0 ? null : Math.Round(latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(latencies.Count * 0.95) - 1)], 1),
            rows.Sum(r => r.InputTokens), rows.Sum(r => r.OutputTokens), metrics);
    }

    /// <summary>Every metric both experiments have (same name and kind), candidate against baseline.</summary>
    public static List<MetricComparison> Compare(IReadOnlyList<ExperimentEvaluator> candidateEvaluators, ExperimentAggregates candidate,
        IReadOnlyList<ResultRow> candidateRows, IReadOnlyList<ExperimentEvaluator> baselineEvaluators, ExperimentAggregates baseline,
        IReadOnlyList<ResultRow> baselineRows)
    {
        var baselineScores = baselineRows.Where(r => r.Error is null).ToDictionary(r => r.ItemId, r => ReadScores(r.Scores));
        var candidateScores = candidateRows.Where(r => r.Error is null).ToDictionary(r => r.ItemId, r => ReadScores(r.Scores));
        var comparisons = new List<MetricComparison>();
        foreach (var evaluator in candidateEvaluators)
        {
            if (!baselineEvaluators.Any(b => b.Name == evaluator.Name && b.Kind == evaluator.Kind))
                continue;
            int wins = 0, losses = 0, ties = 0;
            foreach (var (item, scores) in candidateScores)
            {
                if (Value(scores, evaluator.Name) is not { } c || !baselineScores.TryGetValue(item, out var other) || Value(other, evaluator.Name) is not { } b)
                    continue;
                if (c > b + Tie) wins++;
                else if (c < b - Tie) losses++;
                else ties++;
            }
            var baseMean = baseline.Metrics.FirstOrDefault(m => m.Name == evaluator.Name)?.Mean;
            var candMean = candidate.Metrics.FirstOrDefault(m => m.Name == evaluator.Name)?.Mean;
            comparisons.Add(new MetricComparison(evaluator.Name, baseMean, candMean, candMean - baseMean is { } d ? Math.Round(d, 6) : null,
                wins + losses + ties, wins, losses, ties, Math.Round(SignTest(wins, losses), 6)));
        }
        return comparisons;
    }

    /// <summary>Two-sided exact sign test: the chance of a split at least this uneven if neither side were better.</summary>
    public static double SignTest(int wins, int losses)
    {
        var n = wins + losses;
        if (n == 0)
            return 1;
        var k = Math.Min(wins, losses);
        // Binomial(n, 1/2) terms in logs, so large n neither overflows nor underflows before the sum.
        var log = n * Math.Log(0.5);
        var tail = Math.Exp(log);
        for (var i = 1; i <= k; i++)
        {
            log += Math.Log(n - i + 1) - Math.Log(i);
            tail += Math.Exp(log);
        }
        return Math.Min(1, 2 * tail);
    }

    private static double? Value(Dictionary<string, ItemScore> scores, string name) =>
        scores.TryGetValue(name, out var score) && score.Status == ScoreStatuses.Ok ? score.Value : null;
}
