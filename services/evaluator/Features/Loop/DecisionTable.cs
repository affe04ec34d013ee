using LlmOps.Contracts.Actions;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>One score in the loop's window (the latest per trace and name).</summary>
public sealed record ScorePoint(string TraceId, string Name, double Value, string? PromptName, int? PromptVersion, string? Model,
    string? DataSourceId, DateTime RecordedAt);

/// <summary>What the decision table concluded, before cooldowns and publishing.</summary>
public sealed record Diagnosis
{
    public required string Path { get; init; }
    public required string Kind { get; init; }
    public required string Subject { get; init; }
    public required string Metric { get; init; }
    public required string Summary { get; init; }
    public required ActionEvidence Evidence { get; init; }
    public string? PromptName { get; init; }
    public int? PromptVersion { get; init; }
    public int? ToVersion { get; init; }
    public string? Model { get; init; }
    public string? DataSourceId { get; init; }
    public IReadOnlyList<string> FailingTraceIds { get; init; } = [];
}

/// <summary>
/// The loop controller's decision table (docs/evaluation.md): which repair path a window of scores calls for.
/// <list type="bullet">
/// <item>Prompt path: a format / instruction check (JSON, schema, entities, length, refusal, PII, language) fails on the
/// current prompt version (Wilson lower bound of its failure rate above the threshold). An earlier version with enough
/// samples that is significantly better (one-sided two-proportion test) and not failing itself → rollback to the best of
/// them; none → revision, with failing examples.</item>
/// <item>RAG path: context relevance (or recall) misses above the threshold for a data source while its answers are not
/// significantly unfaithful → retrieval improvement. Queries with nothing relevant retrieved are knowledge-gap candidates
/// (clustered by the controller, which has their text).</item>
/// <item>Fine-tune path: among traces whose context was relevant, unfaithful answers fail on two or more prompt versions
/// of one model → fine-tune curation. On one version only it is that version's problem: the prompt rule above applies to it.</item>
/// </list>
/// A group is judged only with at least <see cref="LoopOptions.MinSamples"/> scores; everything else is noise by definition.
/// </summary>
public static class DecisionTable
{
    public const string Method = "wilson";
    public const string ComparisonMethod = "wilson+two-proportion-z";

    /// <summary>Checks whose failure means the model did not follow the prompt's instructions (value 1 = pass).</summary>
    public static readonly IReadOnlySet<string> InstructionMetrics = new HashSet<string>(StringComparer.Ordinal)
    {
        ScoreNames.JsonValid, ScoreNames.JsonSchema, ScoreNames.RequiredEntities, ScoreNames.Regex, ScoreNames.Length,
        ScoreNames.Refusal, ScoreNames.PiiLeak, ScoreNames.Language,
    };

    public static List<Diagnosis> Diagnose(IReadOnlyList<ScorePoint> points, LoopOptions options, DateTime windowFrom, DateTime windowTo)
    {
        var diagnoses = new List<Diagnosis>();
        var window = new Window(windowFrom, windowTo);

        foreach (var group in points.Where(p => InstructionMetrics.Contains(p.Name) && p.PromptName is not null && p.PromptVersion is not null)
                     .GroupBy(p => (p.PromptName!, p.Name)).OrderBy(g => g.Key))
        {
            var failures = group.Select(p => (Point: p, Failed: p.Value < 0.5)).ToList();
            if (PromptDiagnosis(group.Key.Item1, group.Key.Item2, failures, options, window) is { } diagnosis)
                diagnoses.Add(diagnosis);
        }

        diagnoses.AddRange(RetrievalDiagnoses(points, options, window));
        diagnoses.AddRange(FineTuneDiagnoses(points, options, window));
        return diagnoses;
    }

    /// <summary>Traces whose retrieval found nothing relevant: the controller clusters their queries into knowledge gaps.</summary>
    public static List<ScorePoint> GapCandidates(IReadOnlyList<ScorePoint> points, LoopOptions options) =>
        points.Where(p => p.Name == ScoreNames.ContextRelevance && p.Value <= options.GapRelevance).ToList();

    private readonly record struct Window(DateTime From, DateTime To);

    private static Diagnosis? PromptDiagnosis(string promptName, string metric, List<(ScorePoint Point, bool Failed)> scores, LoopOptions options,
        Window window)
    {
        var versions = scores.GroupBy(s => s.Point.PromptVersion!.Value)
            .Select(g => new VersionStats(g.Key, g.Count(), g.Count(s => s.Failed), g.Max(s => s.Point.RecordedAt),
                g.Where(s => s.Failed).OrderByDescending(s => s.Point.RecordedAt).Select(s => s.Point.TraceId).ToList()))
            .Where(v => v.N >= options.MinSamples)
            .ToList();
        if (versions.Count == 0)
            return null;
        // The version traffic is on now: the one scored last.
        var current = versions.MaxBy(v => v.LastSeen)!;
        var interval = Statistics.Wilson(current.Failures, current.N, options.Alpha);
        if (interval.Low <= options.FailureRateThreshold)
            return null;

        var better = versions
            .Where(v => v.Version < current.Version
                        && Statistics.OneSidedPValue(current.Failures, current.N, v.Failures, v.N) < options.Alpha
                        && Statistics.Wilson(v.Failures, v.N, options.Alpha).Low <= options.FailureRateThreshold)
            .OrderBy(v => v.Rate).ThenByDescending(v => v.Version)
            .FirstOrDefault();
        var evidence = Evidence(metric, current.N, current.Failures, interval, window, current.FailingTraces, options,
            better is null ? null : (better.N, better.Rate), better is null ? Method : ComparisonMethod);
        if (better is not null)
        {
            return new Diagnosis
            {
                Path = ActionPaths.Prompt,
                Kind = ActionKinds.PromptRollback,
                Subject = $"prompt:{promptName}",
                Metric = metric,
                Summary = $"{metric} fails on {Percent(current.Rate)} of prompt {promptName} v{current.Version} (n={current.N}) against "
                          + $"{Percent(better.Rate)} on v{better.Version} (n={better.N}): roll back to v{better.Version}.",
                Evidence = evidence,
                PromptName = promptName,
                PromptVersion = current.Version,
                ToVersion = better.Version,
                FailingTraceIds = current.FailingTraces,
            };
        }
        return new Diagnosis
        {
            Path = ActionPaths.Prompt,
            Kind = ActionKinds.PromptRevision,
            Subject = $"prompt:{promptName}:v{current.Version}:{metric}",
            Metric = metric,
            Summary = $"{metric} fails on {Percent(current.Rate)} of prompt {promptName} v{current.Version} (n={current.N}) and no earlier "
                      + "version is significantly better: revise the prompt.",
            Evidence = evidence,
            PromptName = promptName,
            PromptVersion = current.Version,
            FailingTraceIds = current.FailingTraces,
        };
    }

    private static IEnumerable<Diagnosis> RetrievalDiagnoses(IReadOnlyList<ScorePoint> points, LoopOptions options, Window window)
    {
        var bySource = points.Where(p => p.Name is ScoreNames.ContextRelevance or ScoreNames.ContextRecall or ScoreNames.Faithfulness)
            .GroupBy(p => p.DataSourceId ?? "").OrderBy(g => g.Key);
        foreach (var source in bySource)
        {
            var faithfulness = source.Where(p => p.Name == ScoreNames.Faithfulness).ToList();
            var unfaithful = faithfulness.Count(p => p.Value < options.FaithfulnessThreshold);
            // Answers that are significantly unfaithful point elsewhere (the fine-tune or prompt path), not at retrieval alone.
            if (faithfulness.Count >= options.MinSamples && Statistics.Wilson(unfaithful, faithfulness.Count, options.Alpha).Low > options.FailureRateThreshold)
                continue;
            foreach (var metric in new[] { ScoreNames.ContextRelevance, ScoreNames.ContextRecall })
            {
                var scores = source.Where(p => p.Name == metric).ToList();
                if (scores.Count < options.MinSamples)
                    continue;
                var misses = scores.Where(p => p.Value < options.RelevanceThreshold).OrderByDescending(p => p.RecordedAt).ToList();
                var interval = Statistics.Wilson(misses.Count, scores.Count, options.Alpha);
                if (interval.Low <= options.FailureRateThreshold)
                    continue;
                var rate = (double)misses.Count / scores.Count;
                var name = source.Key.Length == 0 ? "the default retriever" : $"data source {source.Key}";
                yield return new Diagnosis
                {
                    Path = ActionPaths.Rag,
                    Kind = ActionKinds.RetrievalImprovement,
                    Subject = $"rag:{source.Key}:{metric}",
                    Metric = metric,
                    Summary = $"{metric} below {options.RelevanceThreshold} on {Percent(rate)} of {name}'s queries (n={scores.Count}) while answers "
                              + "stay faithful to what was retrieved: improve retrieval or the index.",
                    Evidence = Evidence(metric, scores.Count, misses.Count, interval, window, misses.Select(p => p.TraceId).ToList(), options),
                    DataSourceId = source.Key.Length == 0 ? null : source.Key,
                    FailingTraceIds = misses.Select(p => p.TraceId).ToList(),
                };
                break;
            }
        }
    }

    private static IEnumerable<Diagnosis> FineTuneDiagnoses(IReadOnlyList<ScorePoint> points, LoopOptions options, Window window)
    {
        var relevantTraces = points.Where(p => p.Name == ScoreNames.ContextRelevance && p.Value >= options.RelevanceThreshold)
            .Select(p => p.TraceId).ToHashSet(StringComparer.Ordinal);
        var grounded = points.Where(p => p.Name == ScoreNames.Faithfulness && relevantTraces.Contains(p.TraceId)).ToList();
        foreach (var model in grounded.GroupBy(p => p.Model ?? "").OrderBy(g => g.Key))
        {
            var byVersion = model.Where(p => p.PromptName is not null && p.PromptVersion is not null)
                .GroupBy(p => (p.PromptName!, p.PromptVersion!.Value))
                .Select(g => (Key: g.Key, Scores: g.ToList()))
                .Where(g => g.Scores.Count >= options.MinSamples)
                .ToList();
            var failing = byVersion.Where(g =>
            {
                var failures = g.Scores.Count(p => p.Value < options.FaithfulnessThreshold);
                return Statistics.Wilson(failures, g.Scores.Count, options.Alpha).Low > options.FailureRateThreshold;
            }).ToList();
            if (failing.Count >= 2)
            {
                var scores = failing.SelectMany(g => g.Scores).ToList();
                var failed = scores.Where(p => p.Value < options.FaithfulnessThreshold).OrderByDescending(p => p.RecordedAt).ToList();
                var interval = Statistics.Wilson(failed.Count, scores.Count, options.Alpha);
                var versions = string.Join(", ", failing.Select(g => $"{g.Key.Item1} v{g.Key.Item2}"));
                var modelName = model.Key.Length == 0 ? "the model" : model.Key;
                yield return new Diagnosis
                {
                    Path = ActionPaths.FineTune,
                    Kind = ActionKinds.FineTuneCuration,
                    Subject = $"fine_tune:{model.Key}",
                    Metric = ScoreNames.Faithfulness,
                    Summary = $"{modelName} answers unfaithfully to relevant context on {Percent((double)failed.Count / scores.Count)} of traces "
                              + $"(n={scores.Count}) across {failing.Count} prompt versions ({versions}): curate fine-tune examples.",
                    Evidence = Evidence(ScoreNames.Faithfulness, scores.Count, failed.Count, interval, window, failed.Select(p => p.TraceId).ToList(), options),
                    Model = model.Key.Length == 0 ? null : model.Key,
                    FailingTraceIds = failed.Select(p => p.TraceId).ToList(),
                };
            }
            else if (failing.Count == 1)
            {
                // One version alone: a prompt problem. Compare it with the same prompt's other versions.
                var prompt = failing[0].Key.Item1;
                var scores = byVersion.Where(g => g.Key.Item1 == prompt).SelectMany(g => g.Scores)
                    .Select(p => (Point: p, Failed: p.Value < options.FaithfulnessThreshold)).ToList();
                if (PromptDiagnosis(prompt, ScoreNames.Faithfulness, scores, options, window) is { } diagnosis)
                    yield return diagnosis with { Model = model.Key.Length == 0 ? null : model.Key };
            }
        }
    }

    private sealed record VersionStats(int Version, int N, int Failures, DateTime LastSeen, List<string> FailingTraces)
    {
        public double Rate => (double)Failures / N;
    }

    private static ActionEvidence Evidence(string metric, int n, int failures, Statistics.Interval interval, Window window,
        IReadOnlyList<string> failingTraces, LoopOptions options, (int N, double Rate)? baseline = null, string method = Method) => new()
    {
        Metric = metric,
        SampleSize = n,
        FailureCount = failures,
        Rate = n == 0 ? 0 : (double)failures / n,
        IntervalLow = Math.Round(interval.Low, 4),
        IntervalHigh = Math.Round(interval.High, 4),
        Method = $"{method} (alpha={options.Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)})",
        BaselineSampleSize = baseline?.N,
        BaselineRate = baseline?.Rate,
        WindowFrom = new DateTimeOffset(DateTime.SpecifyKind(window.From, DateTimeKind.Utc)),
        WindowTo = new DateTimeOffset(DateTime.SpecifyKind(window.To, DateTimeKind.Utc)),
        ExampleTraceIds = failingTraces.Take(options.Examples).ToList(),
    };

    private static string Percent(double rate) => rate.ToString("P1", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The action kinds (the <c>Kind</c> of OptimizationActionProposed and of the actions API).</summary>
public static class ActionKinds
{
    public const string PromptRollback = "prompt_rollback";
    public const string PromptRevision = "prompt_revision";
    public const string RetrievalImprovement = "retrieval_improvement";
    public const string KnowledgeGap = "knowledge_gap";
    public const string FineTuneCuration = "fine_tune_curation";
    public const string FineTuneDatasetReady = "fine_tune_dataset_ready";
}

/// <summary>Names of the scores the built-in evaluators record (and the loop reads). Checks: 1 = passed, 0 = failed.</summary>
public static class ScoreNames
{
    public const string JsonValid = "json_valid";
    public const string JsonSchema = "json_schema";
    public const string RequiredEntities = "required_entities";
    public const string Regex = "regex";
    public const string Length = "length";
    public const string Refusal = "refusal";
    public const string PiiLeak = "pii_leak";
    public const string Language = "language";
    public const string ContextRelevance = "context_relevance";
    public const string Faithfulness = "faithfulness";
    public const string AnswerRelevance = "answer_relevance";
    public const string ContextPrecision = "context_precision";
    public const string ContextRecall = "context_recall";
}
