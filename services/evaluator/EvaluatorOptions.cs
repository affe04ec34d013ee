using System.ComponentModel.DataAnnotations;

namespace LlmOps.Evaluator;

public sealed class EvaluatorOptions
{
    public const string Section = "Evaluator";

    /// <summary>TraceCompleted messages evaluated per batch at most.</summary>
    [Range(1, 5_000)]
    public int BatchSize { get; set; } = 200;

    [Range(1, 10_000)]
    public int BatchWaitMs { get; set; } = 50;

    [Range(1, 16)]
    public int BatchConcurrency { get; set; } = 2;

    /// <summary>Longest question, answer and context text evaluated (longer text is cut: checks stay fast).</summary>
    [Range(1_000, 1_000_000)]
    public int MaxTextChars { get; set; } = 32_000;

    /// <summary>How long the evaluator may hold traces without finishing one before it reports itself stalled.</summary>
    [Range(1, 3_600)]
    public int StallSeconds { get; set; } = 60;

    /// <summary>How often each lane publishes EvaluatorProgressReported (alerting's evaluator_lag); 0 turns it off.</summary>
    [Range(0, 3_600)]
    public int ProgressReportSeconds { get; set; } = 15;

    /// <summary>How often the evaluator configuration is re-read from the database (other replicas' changes).</summary>
    [Range(1, 3_600)]
    public int ConfigRefreshSeconds { get; set; } = 10;

    /// <summary>Projects that configured no evaluator get the default set (refusal, PII leak, the RAG triad).</summary>
    public bool DefaultEvaluators { get; set; } = true;

    public LoopOptions Loop { get; set; } = new();

    public GatewayOptions Gateway { get; set; } = new();

    public Features.Drift.DriftOptions Drift { get; set; } = new();
}

/// <summary>Where the evaluator's own model calls go (judges, experiments): through inference-proxy.</summary>
public sealed class GatewayOptions
{
    /// <summary>inference-proxy's address, e.g. <c>http://inference-proxy:8080/</c>; unset in the embedded platform (it calls itself).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>From the environment only (<c>Evaluator__Gateway__ApiKey</c>): the key judge and experiment calls are made and priced with.</summary>
    public string? ApiKey { get; set; }

    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Judge calls in flight at once per replica.</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 8;
}

/// <summary>The loop controller's decision table settings (docs/evaluation.md explains each).</summary>
public sealed class LoopOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The rolling window of scores the controller aggregates.</summary>
    [Range(1, 24 * 30)]
    public int WindowHours { get; set; } = 24;

    /// <summary>
    /// The longest a project's next controller pass waits while its scores stream in. A project whose passes are quick
    /// waits less: four times its last pass's duration, at least 100 ms (<c>Features/Loop/LoopPacer</c>). 0 runs a pass
    /// after every score batch.
    /// </summary>
    [Range(0, 600_000)]
    public int MinPassIntervalMs { get; set; } = 1_000;

    /// <summary>How often scores older than every window read from them are deleted (<c>Features/Loop/LoopScorePurge</c>).</summary>
    [Range(1, 24 * 60)]
    public int PurgeIntervalMinutes { get; set; } = 10;

    /// <summary>No group with fewer scores is judged: small samples are noise.</summary>
    [Range(5, 100_000)]
    public int MinSamples { get; set; } = 30;

    /// <summary>Significance level of the one-sided two-proportion test and confidence of the Wilson intervals (1 − alpha).</summary>
    [Range(0.0001, 0.2)]
    public double Alpha { get; set; } = 0.01;

    /// <summary>A failure rate whose Wilson lower bound exceeds this is a real problem, not noise.</summary>
    [Range(0.001, 0.9)]
    public double FailureRateThreshold { get; set; } = 0.10;

    /// <summary>Below this a context-relevance score counts as a retrieval miss.</summary>
    [Range(0.01, 0.99)]
    public double RelevanceThreshold { get; set; } = 0.5;

    /// <summary>At or below this nothing relevant was retrieved: the query is a knowledge-gap candidate.</summary>
    [Range(0.0, 0.9)]
    public double GapRelevance { get; set; } = 0.2;

    /// <summary>Below this a faithfulness score counts as an unfaithful answer.</summary>
    [Range(0.01, 0.99)]
    public double FaithfulnessThreshold { get; set; } = 0.5;

    /// <summary>Queries in one cluster before a knowledge gap is reported.</summary>
    [Range(2, 10_000)]
    public int KnowledgeGapMinQueries { get; set; } = 5;

    /// <summary>No second action of the same kind for the same subject within this time.</summary>
    [Range(1, 24 * 60 * 30)]
    public int CooldownMinutes { get; set; } = 60;

    /// <summary>The prompt label a rollback moves.</summary>
    [Required]
    public string RollbackLabel { get; set; } = "production";

    /// <summary>Examples a curated fine-tune dataset needs before FineTuneDatasetReady.</summary>
    [Range(1, 1_000_000)]
    public int FineTuneTargetSize { get; set; } = 200;

    /// <summary>A trace whose scores are all at or above this is a "top-scored" fine-tune example.</summary>
    [Range(0.5, 1.0)]
    public double TopScore { get; set; } = 0.9;

    /// <summary>Failing examples quoted in an action.</summary>
    [Range(1, 100)]
    public int Examples { get; set; } = 5;
}
