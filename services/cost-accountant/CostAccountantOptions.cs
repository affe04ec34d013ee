using System.ComponentModel.DataAnnotations;

namespace LlmOps.CostAccountant;

public sealed class CostAccountantOptions
{
    public const string Section = "CostAccountant";

    /// <summary>The price catalog file; default: the one shipped next to the binary (Catalog/prices.json).</summary>
    public string? CatalogPath { get; set; }

    /// <summary>
    /// The share of a budget's amount one gateway replica may hold at a time (its slice). Smaller: less slack held by
    /// idle replicas; larger: fewer lease round trips.
    /// </summary>
    [Range(0.001, 1.0)]
    public double BudgetLeaseFraction { get; set; } = 0.05;

    /// <summary>InferenceCompleted events priced and written per transaction at most.</summary>
    [Range(1, 5_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>InferenceCompletedBatch messages (each up to the gateway's PublishBatchSize events) priced per transaction at most.</summary>
    [Range(1, 100)]
    public int BatchMessages { get; set; } = 20;

    [Range(1, 10_000)]
    public int BatchWaitMs { get; set; } = 100;

    /// <summary>Batches priced at once per replica (the ledger insert is idempotent, the rollups add up atomically).</summary>
    [Range(1, 16)]
    public int BatchConcurrency { get; set; } = 4;
}
