using System.ComponentModel.DataAnnotations;

namespace LlmOps.TraceCollector;

public sealed class TraceCollectorOptions
{
    public const string Section = "TraceCollector";

    /// <summary>InferenceCompleted events written per transaction at most.</summary>
    [Range(1, 5_000)]
    public int BusBatchSize { get; set; } = 500;

    /// <summary>InferenceCompletedBatch messages (each up to the gateway's PublishBatchSize events) written per transaction at most.</summary>
    [Range(1, 100)]
    public int BusBatchMessages { get; set; } = 20;

    /// <summary>How long a batch waits to fill before it is written anyway.</summary>
    [Range(1, 10_000)]
    public int BusBatchWaitMs { get; set; } = 100;

    /// <summary>Batches written at once per collector replica.</summary>
    [Range(1, 16)]
    public int BusBatchConcurrency { get; set; } = 4;

    /// <summary>Largest body <c>/api/ingest</c> and <c>/v1/traces</c> accept (after decompression); beyond: 413.</summary>
    [Range(1_024, 256L * 1024 * 1024)]
    public long MaxIngestBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Items (observations, traces, scores) waiting to be written from HTTP ingestion; beyond: 503 with Retry-After.</summary>
    [Range(100, 10_000_000)]
    public int IngestQueueCapacity { get; set; } = 50_000;

    /// <summary>Items written per transaction from HTTP ingestion at most.</summary>
    [Range(1, 50_000)]
    public int IngestBatchSize { get; set; } = 2_000;

    /// <summary>A trace is complete once everything in it has ended and nothing arrived for this long.</summary>
    [Range(0, 3_600)]
    public int QuietPeriodSeconds { get; set; } = 5;

    /// <summary>A trace with an observation that never ended is published anyway after this long without activity.</summary>
    [Range(1, 86_400)]
    public int MaxOpenSeconds { get; set; } = 600;

    /// <summary>How often the collector looks for completed traces.</summary>
    [Range(50, 60_000)]
    public int CompletionScanIntervalMs { get; set; } = 1_000;

    /// <summary>
    /// Finished traces per TraceCompletedBatch message (one broker confirm per batch); 0 publishes one TraceCompleted per
    /// message, for evaluators older than the batch contract.
    /// </summary>
    [Range(0, 1_000)]
    public int CompletedBatchSize { get; set; } = 100;

    /// <summary>How often traces past their project's retention are deleted.</summary>
    [Range(1, 24 * 60)]
    public int RetentionScanMinutes { get; set; } = 60;
}
