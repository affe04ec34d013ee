using LlmOps.Contracts.Actions;

namespace LlmOps.Evaluator.Features.Loop;

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
    /// <summary>The traces counted as failing: described by the table (<see cref="Failing"/>), read and filled in by the controller.</summary>
    public IReadOnlyList<string> FailingTraceIds { get; init; } = [];

    /// <summary>Which traces failed, for the controller to read; null when the diagnosis lists them itself.</summary>
    public FailingSet? Failing { get; init; }

    /// <summary>The diagnosis with its failing traces read (newest first) and the first <paramref name="examples"/> of them as its evidence's examples.</summary>
    public Diagnosis WithFailingTraces(IReadOnlyList<string> traceIds, int examples) => this with
    {
        FailingTraceIds = traceIds,
        Evidence = Evidence with { ExampleTraceIds = traceIds.Take(examples).ToList() },
    };
}

/// <summary>
/// The loop controller's decision table (docs/evaluation.md): which repair path a window of scores calls for, decided on
/// the window's counts (<see cref="WindowSummary"/>).
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

    public static List<Diagnosis> Diagnose(WindowSummary summary, LoopOptions options, DateTime windowFrom, DateTime windowTo)
    {
        var diagnoses = new List<Diagnosis>();
        var window = new Window(windowFrom, windowTo);

        foreach (var group in summary.Checks.Where(c => InstructionMetrics.Contains(c.Metric))
                     .GroupBy(c => (c.PromptName, c.Metric)).OrderBy(g => g.Key))
        {
            var versions = group.Select(c => new VersionStats(c.Version, c.N, c.Failing, c.LastSeen)).ToList();
            if (PromptDiagnosis(group.Key.PromptName, group.Key.Metric, versions, 0.5, model: null, options, window) is { } diagnosis)
                diagnoses.Add(diagnosis);
        }

        diagnoses.AddRange(RetrievalDiagnoses(summary.Sources, options, window));
        diagnoses.AddRange(FineTuneDiagnoses(summary.Grounded, options, window));
        return diagnoses;
    }

    private readonly record struct Window(DateTime From, DateTime To);

    private static Diagnosis? PromptDiagnosis(string promptName, string metric, List<VersionStats> scored, double failingBelow, string? model,
        LoopOptions options, Window window)
    {
        var versions = scored.Where(v => v.N >= options.MinSamples).ToList();
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
        var evidence = Evidence(metric, current.N, current.Failures, interval, window, options,
            better is null ? null : (better.N, better.Rate), better is null ? Method : ComparisonMethod);
        var failing = new FailingSet
        {
            Metric = metric, Below = failingBelow, Versions = [new PromptVersionKey(promptName, current.Version)], Model = model,
            RelevantAtLeast = metric == ScoreNames.Faithfulness ? options.RelevanceThreshold : null,
        };
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
                Failing = failing,
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
            Failing = failing,
        };
    }

    private static IEnumerable<Diagnosis> RetrievalDiagnoses(IReadOnlyList<SourceCount> sources, LoopOptions options, Window window)
    {
        foreach (var source in sources.GroupBy(s => s.DataSource).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // Answers that are significantly unfaithful point elsewhere (the fine-tune or prompt path), not at retrieval alone.
            if (source.FirstOrDefault(s => s.Metric == ScoreNames.Faithfulness) is { } faithfulness && faithfulness.N >= options.MinSamples
                && Statistics.Wilson(faithfulness.Failing, faithfulness.N, options.Alpha).Low > options.FailureRateThreshold)
                continue;
            foreach (var metric in new[] { ScoreNames.ContextRelevance, ScoreNames.ContextRecall })
            {
                if (source.FirstOrDefault(s => s.Metric == metric) is not { } scores || scores.N < options.MinSamples)
                    continue;
                var interval = Statistics.Wilson(scores.Failing, scores.N, options.Alpha);
                if (interval.Low <= options.FailureRateThreshold)
                    continue;
                var rate = (double)scores.Failing / scores.N;
                var name = source.Key.Length == 0 ? "the default retriever" : $"data source {source.Key}";
                yield return new Diagnosis
                {
                    Path = ActionPaths.Rag,
                    Kind = ActionKinds.RetrievalImprovement,
                    Subject = $"rag:{source.Key}:{metric}",
                    Metric = metric,
                    Summary = $"{metric} below {options.RelevanceThreshold} on {Percent(rate)} of {name}'s queries (n={scores.N}) while answers "
                              + "stay faithful to what was retrieved: improve retrieval or the index.",
                    Evidence = Evidence(metric, scores.N, scores.Failing, interval, window, options),
                    DataSourceId = source.Key.Length == 0 ? null : source.Key,
                    Failing = new FailingSet { Metric = metric, Below = options.RelevanceThreshold, DataSource = source.Key },
                };
                break;
            }
        }
    }

    private static IEnumerable<Diagnosis> FineTuneDiagnoses(IReadOnlyList<GroundedCount> grounded, LoopOptions options, Window window)
    {
        foreach (var model in grounded.GroupBy(g => g.Model).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var byVersion = model.Where(g => g.N >= options.MinSamples).ToList();
            var failing = byVersion.Where(g => Statistics.Wilson(g.Failing, g.N, options.Alpha).Low > options.FailureRateThreshold).ToList();
            var modelId = model.Key.Length == 0 ? null : model.Key;
            if (failing.Count >= 2)
            {
                int n = failing.Sum(g => g.N), failed = failing.Sum(g => g.Failing);
                var interval = Statistics.Wilson(failed, n, options.Alpha);
                var versions = string.Join(", ", failing.Select(g => $"{g.PromptName} v{g.Version}"));
                var modelName = model.Key.Length == 0 ? "the model" : model.Key;
                yield return new Diagnosis
                {
                    Path = ActionPaths.FineTune,
                    Kind = ActionKinds.FineTuneCuration,
                    Subject = $"fine_tune:{model.Key}",
                    Metric = ScoreNames.Faithfulness,
                    Summary = $"{modelName} answers unfaithfully to relevant context on {Percent((double)failed / n)} of traces "
                              + $"(n={n}) across {failing.Count} prompt versions ({versions}): curate fine-tune examples.",
                    Evidence = Evidence(ScoreNames.Faithfulness, n, failed, interval, window, options),
                    Model = modelId,
                    Failing = new FailingSet
                    {
                        Metric = ScoreNames.Faithfulness, Below = options.FaithfulnessThreshold, Model = model.Key,
                        Versions = failing.Select(g => new PromptVersionKey(g.PromptName, g.Version)).ToList(), RelevantAtLeast = options.RelevanceThreshold,
                    },
                };
            }
            else if (failing.Count == 1)
            {
                // One version alone: a prompt problem. Compare it with the same prompt's other versions.
                var prompt = failing[0].PromptName;
                var versions = byVersion.Where(g => g.PromptName == prompt).Select(g => new VersionStats(g.Version, g.N, g.Failing, g.LastSeen)).ToList();
                if (PromptDiagnosis(prompt, ScoreNames.Faithfulness, versions, options.FaithfulnessThreshold, model.Key, options, window) is { } diagnosis)
                    yield return diagnosis with { Model = modelId };
            }
        }
    }

    private sealed record VersionStats(int Version, int N, int Failures, DateTime LastSeen)
    {
        public double Rate => (double)Failures / N;
    }

    /// <summary>The evidence without its example traces: the controller adds them once it has read the failing set.</summary>
    private static ActionEvidence Evidence(string metric, int n, int failures, Statistics.Interval interval, Window window, LoopOptions options, (int N, double Rate)? baseline = null, string method = Method) => new()
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
