using System.Diagnostics.Metrics;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Inference;
using LlmOps.CostAccountant.Features.Prices;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Telemetry;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.CostAccountant.Features.Costing;

/// <summary>
/// Prices gateway requests in batches: the costs new to the ledger are inserted, published in CostRecordedBatch messages
/// and, once the broker confirmed them, committed with their rollups; a failed publish rolls the batch back for
/// redelivery. So a redelivered batch adds nothing and publishes nothing (a crash between confirm and commit can
/// publish a cost twice: consumers deduplicate on the inference id). An unknown model's cost is recorded as unpriced and
/// counted, never as $0.
/// </summary>
public sealed class InferencePricer(PriceCatalog catalog, CostLedger ledger, CostAccountantDbContext db, BoundedPublisher publisher,
    Budgets.BudgetWatch budgets)
{
    /// <summary>Costs per CostRecordedBatch message at most.</summary>
    public const int CostsPerMessage = 500;

    private static readonly Counter<long> Unpriced = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.cost.unpriced_inferences", description: "Inferences with tokens but no known price (by model)");

    private static readonly Counter<double> Spend = LlmOpsTelemetry.Meter.CreateCounter<double>(
        "llmops.cost.usd", unit: "USD", description: "Priced spend recorded, by project and model");

    public async Task PriceAsync(IEnumerable<InferenceCompleted> inferences, CancellationToken cancellationToken)
    {
        var costs = inferences.Select(m => Pricing.Cost(m, catalog)).ToList();
        if (costs.Count == 0)
            return;
        var newlyRecorded = await ledger.RecordAsync(costs, inserted => PublishAsync(inserted, cancellationToken), cancellationToken);
        foreach (var recorded in newlyRecorded)
        {
            if (!recorded.Priced)
                Unpriced.Add(1, new KeyValuePair<string, object?>("model", recorded.Model));
            else if (recorded.TotalCostNanos is > 0 and var nanos)
                Spend.Add((double)Pricing.Dollars(nanos)!.Value, new KeyValuePair<string, object?>("project", recorded.ProjectId),
                    new KeyValuePair<string, object?>("model", recorded.Model));
        }

        // Budgets of the projects that spent: thresholds and exhaustion announced once each.
        await budgets.EvaluateProjectsAsync(newlyRecorded.Where(c => c.TotalCostNanos > 0).Select(c => c.ProjectId), cancellationToken);

        // Rows a version before publish-then-commit stored without confirming their CostRecorded: published now.
        var known = costs.Select(c => c.InferenceId).Except(newlyRecorded.Select(c => c.InferenceId)).Distinct().ToList();
        if (known.Count == 0)
            return;
        var pending = await db.Costs.AsNoTracking().Where(c => known.Contains(c.InferenceId) && !c.Published).ToListAsync(cancellationToken);
        if (pending.Count == 0)
            return;
        await PublishAsync(pending, cancellationToken);
        var published = pending.Select(c => c.InferenceId).ToList();
        await db.Costs.Where(c => published.Contains(c.InferenceId)).ExecuteUpdateAsync(set => set.SetProperty(c => c.Published, true), cancellationToken);
    }

    private Task PublishAsync(List<CostRecord> costs, CancellationToken cancellationToken) =>
        Task.WhenAll(costs.Chunk(CostsPerMessage).Select(chunk =>
            publisher.PublishAsync(new CostRecordedBatch { Costs = [.. chunk.Select(Pricing.Message)] }, cancellationToken)));
}

/// <summary>Single InferenceCompleted events (<c>CostAccountant:BatchSize</c> per transaction).</summary>
public sealed class InferenceCostConsumer(InferencePricer pricer) : IConsumer<Batch<InferenceCompleted>>
{
    public Task Consume(ConsumeContext<Batch<InferenceCompleted>> context) =>
        pricer.PriceAsync(context.Message.Select(m => m.Message), context.CancellationToken);
}

/// <summary>The gateway's InferenceCompletedBatch messages (<c>CostAccountant:BatchMessages</c> per transaction).</summary>
public sealed class InferenceBatchCostConsumer(InferencePricer pricer) : IConsumer<Batch<InferenceCompletedBatch>>
{
    public Task Consume(ConsumeContext<Batch<InferenceCompletedBatch>> context) =>
        pricer.PriceAsync(context.Message.SelectMany(m => m.Message.Inferences ?? []), context.CancellationToken);
}
