using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Configuration;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Features.Online;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Judges;

/// <summary>
/// Runs a trace's judge evaluators (filters and sampling as for checks), in parallel through the gateway, and records
/// their scores like the checks' (ids from trace, evaluator and revision; the loop sees the ones that succeeded).
/// </summary>
public sealed class JudgeEvaluation(EvaluatorCatalog catalog, JudgeRunner judge, OnlineEvaluation online, LoopScores loopScores,
    IOptions<EvaluatorOptions> options, TimeProvider clock)
{
    public async Task<List<ScoreRecorded>> EvaluateAsync(TraceCompleted trace, CancellationToken cancellationToken)
    {
        var judges = Judges(catalog, trace).ToList();
        if (judges.Count == 0)
            return [];
        var verdicts = await Task.WhenAll(judges.Select(e => judge.JudgeAsync(e, trace, cancellationToken)));
        var now = clock.GetUtcNow();
        var scores = judges.Zip(verdicts, (e, v) => OnlineEvaluation.Score(trace, e, v.Outcome, now, v.JudgeModel)).ToList();
        await online.RememberAsync([trace], now.UtcDateTime, cancellationToken);
        if (options.Value.Loop.Enabled)
            await loopScores.RecordAsync(scores, cancellationToken);
        return scores;
    }

    /// <summary>The judge evaluators that apply to a trace (filters and sampling); none for the evaluator's own traffic.</summary>
    public static IEnumerable<CompiledEvaluator> Judges(EvaluatorCatalog catalog, TraceCompleted trace) =>
        trace.IsEvaluatorTraffic
            ? []
            : catalog.For(trace.ProjectId).Where(e => e.Method == EvaluatorKinds.Judge && e.Matches(trace.PromptName, trace.Model, trace.Feature)
                                                      && OnlineEvaluation.Sampled(trace.TraceId, e.Name, e.SamplingRate));
}
