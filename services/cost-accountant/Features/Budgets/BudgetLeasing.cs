using LlmOps.Contracts.Cost;
using LlmOps.CostAccountant.Features.Prices;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Storage;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.CostAccountant.Features.Budgets;

/// <summary>
/// Grants gateway replicas slices of a project's budgets. What a budget has committed is the larger of its recorded
/// spend and the spend replicas reported on handing leases back, plus every slice still out (in full: a replica that
/// stopped keeps its slice until the period ends). A slice is granted only from what is left, so the slices held by all
/// replicas together never exceed the amount, however many replicas there are. Grants for one budget are serialized (a
/// row lock on PostgreSQL, a process lock besides).
/// </summary>
public sealed class BudgetLeaser(CostAccountantDbContext db, BudgetWatch watch, PriceCatalog catalog, TimeProvider clock,
    IOptions<CostAccountantOptions> options)
{
    private static readonly SemaphoreSlim Serial = new(1, 1);

    public async Task<BudgetLeases> LeaseAsync(LeaseBudget request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var budgets = await db.Budgets.AsNoTracking().Where(b => b.ProjectId == request.ProjectId).OrderBy(b => b.Id).ToListAsync(cancellationToken);
        var granted = new List<BudgetLease>(budgets.Count);
        var spent = new List<BudgetRecord>();
        await Serial.WaitAsync(cancellationToken);
        try
        {
            var strategy = db.Database.CreateExecutionStrategy();
            await strategy.ExecuteAsync(async () =>
            {
                granted.Clear();
                spent.Clear();
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                if (db.Database.IsPostgres() && budgets.Count > 0)
                {
                    var ids = budgets.Select(b => b.Id).ToArray();
                    // The table name is ours (schema constant), the ids a parameter.
                    var lockSql = "SELECT 1 FROM " + db.Database.Table(CostAccountantDbContext.Schema, "budgets") + " WHERE id = ANY({0}) ORDER BY id FOR UPDATE";
                    await db.Database.ExecuteSqlRawAsync(lockSql, [ids], cancellationToken);
                }
                await CloseAsync(request, budgets, now, cancellationToken);
                foreach (var budget in budgets)
                {
                    var lease = await GrantAsync(request, budget, now, cancellationToken);
                    granted.Add(lease);
                    // Less than a slice left and not enough for what a replica needs: enforcement has reached the amount.
                    if (lease.LeaseId is null && !request.Release && budget.Period != "rolling" && lease.AvailableNanos < Slice(budget, 1))
                        spent.Add(budget);
                }
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            });
        }
        finally
        {
            Serial.Release();
        }
        // Announced once (the watch claims it), and not undone by the ledger while the period lasts.
        foreach (var budget in spent)
            await watch.EvaluateAsync(budget, cancellationToken, leasesSpent: true);

        var prices = request.Models.Take(100)
            .Select(m => (m, Price: catalog.Find(m.Provider, m.Model, now)))
            .Where(p => p.Price is not null)
            .Select(p => new ModelPrice
            {
                Provider = p.m.Provider, Model = p.m.Model, Input = p.Price!.Input, Output = p.Price.Output,
                CachedInput = p.Price.CachedInput, CacheWrite = p.Price.CacheWrite,
            })
            .ToList();
        return new BudgetLeases { ProjectId = request.ProjectId, Budgets = granted, Prices = prices };
    }

    private long Slice(BudgetRecord budget, long minimum) =>
        Math.Max((long)Math.Ceiling(budget.AmountNanos * options.Value.BudgetLeaseFraction), minimum);

    /// <summary>Leases handed back are closed with what was spent of them (only this project's, only once).</summary>
    private async Task CloseAsync(LeaseBudget request, List<BudgetRecord> budgets, DateTime now, CancellationToken cancellationToken)
    {
        if (request.Returns.Count == 0)
            return;
        var ids = request.Returns.Select(r => r.LeaseId).Distinct().ToList();
        var budgetIds = budgets.Select(b => b.Id).ToList();
        var open = await db.BudgetLeases.Where(l => ids.Contains(l.Id) && budgetIds.Contains(l.BudgetId) && !l.Closed).ToListAsync(cancellationToken);
        foreach (var lease in open)
        {
            lease.Closed = true;
            lease.ClosedAt = now;
            lease.SpentNanos = Math.Max(0, request.Returns.First(r => r.LeaseId == lease.Id).SpentNanos);
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task<BudgetLease> GrantAsync(LeaseBudget request, BudgetRecord budget, DateTime now, CancellationToken cancellationToken)
    {
        var (start, _) = BudgetWatch.Period(budget, now);
        var rolling = budget.Period == "rolling";
        var periodStart = rolling ? DateTime.UnixEpoch : start;
        var recorded = await watch.SpentAsync(budget, start, cancellationToken);
        var leases = rolling
            ? db.BudgetLeases.AsNoTracking().Where(l => l.BudgetId == budget.Id && l.CreatedAt >= start)
            : db.BudgetLeases.AsNoTracking().Where(l => l.BudgetId == budget.Id && l.PeriodStart == periodStart);
        var reported = await leases.Where(l => l.Closed).SumAsync(l => l.SpentNanos, cancellationToken);
        var held = await leases.Where(l => !l.Closed).SumAsync(l => l.GrantedNanos, cancellationToken);
        var available = budget.AmountNanos - Math.Max(recorded, reported) - held;

        var minimum = Math.Max(1, request.MinimumNanos.GetValueOrDefault(budget.Id.ToString(), 1));
        var slice = Slice(budget, minimum);
        var grant = Math.Min(slice, Math.Max(0, available));
        var lease = new BudgetLease
        {
            BudgetId = budget.Id, Scope = budget.Scope, ScopeValue = budget.ScopeValue, AmountNanos = budget.AmountNanos,
            AvailableNanos = Math.Max(0, available),
        };
        if (grant < minimum || request.Release)
            return lease;
        var record = new BudgetLeaseRecord
        {
            Id = Guid.CreateVersion7(), BudgetId = budget.Id, ReplicaId = request.ReplicaId.Length > 200 ? request.ReplicaId[..200] : request.ReplicaId,
            PeriodStart = periodStart, GrantedNanos = grant, CreatedAt = now,
        };
        db.BudgetLeases.Add(record);
        return lease with { LeaseId = record.Id, GrantedNanos = grant };
    }
}

/// <summary>Answers a gateway replica's <see cref="LeaseBudget"/>.</summary>
public sealed class LeaseBudgetConsumer(BudgetLeaser leaser) : IConsumer<LeaseBudget>
{
    public async Task Consume(ConsumeContext<LeaseBudget> context) =>
        await context.RespondAsync(await leaser.LeaseAsync(context.Message, context.CancellationToken));
}
