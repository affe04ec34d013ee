using System.Text.Json;
using LlmOps.Contracts.Cost;
using LlmOps.CostAccountant.Features.Costing;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.CostAccountant.Features.Budgets;

/// <summary>
/// Keeps each budget's state in step with the ledger and announces the changes: BudgetThresholdCrossed once per
/// threshold per period, BudgetExhausted when the spend reaches the amount, BudgetRestored when a new period begins or
/// the amount is raised. Each change is claimed with a compare-and-set on the state's version before it is published,
/// so with several replicas evaluating the same budget each event goes out once; a publish that fails hands the claim
/// back (and the batch is retried). Rolling budgets have no periods: a threshold the spend falls back under is re-armed.
/// </summary>
public sealed class BudgetWatch(CostAccountantDbContext db, BoundedPublisher publisher, TimeProvider clock)
{
    private const int MaxAttempts = 5;

    public async Task EvaluateProjectsAsync(IEnumerable<string> projectIds, CancellationToken cancellationToken)
    {
        var projects = projectIds.Distinct().ToList();
        if (projects.Count == 0)
            return;
        foreach (var budget in await db.Budgets.AsNoTracking().Where(b => projects.Contains(b.ProjectId)).ToListAsync(cancellationToken))
            await EvaluateAsync(budget, cancellationToken);
    }


    /// <param name="restoredBecause">
    /// Why an exhausted budget may be restored within its period (<c>amount_raised</c>); null from the ledger, whose
    /// spend only grows within a period, so an exhaustion the gateway's leases found is not undone by the next batch.
    /// </param>
    /// <param name="leasesSpent">The gateway's leases found too little left for a request: exhausted, whatever is recorded.</param>
    public async Task EvaluateAsync(BudgetRecord budget, CancellationToken cancellationToken, string? restoredBecause = null, bool leasesSpent = false)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (start, end) = Period(budget, now);
        var spent = await SpentAsync(budget, start, cancellationToken);
        var thresholds = Thresholds(budget);
        var storedStart = budget.Period == "rolling" ? DateTime.UnixEpoch : start;
        // A rolling budget has room again only because spend left its window.
        restoredBecause = budget.Period == "rolling" ? "new_period" : restoredBecause;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var state = await db.BudgetStates.AsNoTracking().SingleOrDefaultAsync(s => s.BudgetId == budget.Id, cancellationToken);
            if (state is null)
            {
                db.BudgetStates.Add(new BudgetStateRecord { BudgetId = budget.Id, PeriodStart = storedStart, UpdatedAt = now });
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                }
                catch (DbUpdateException)
                {
                    // Another replica created it first.
                }
                db.ChangeTracker.Clear();
                continue;
            }

            var mask = state.CrossedMask;
            var exhausted = state.Exhausted;
            var events = new List<object>();
            var stateStart = DateTime.SpecifyKind(state.PeriodStart, DateTimeKind.Utc);
            if (stateStart != storedStart)
            {
                mask = 0;
                if (exhausted && spent < budget.AmountNanos)
                {
                    events.Add(Restored(budget, spent, "new_period", now));
                    exhausted = false;
                }
            }
            for (var i = 0; i < thresholds.Length; i++)
            {
                var reached = spent >= Level(budget, thresholds[i]);
                var bit = 1 << i;
                if (reached && (mask & bit) == 0)
                {
                    events.Add(Crossed(budget, thresholds[i], spent, start, end, now));
                    mask |= bit;
                }
                else if (!reached && budget.Period == "rolling")
                    mask &= ~bit;
            }
            if (!exhausted && (spent >= budget.AmountNanos || leasesSpent))
            {
                events.Add(new BudgetExhausted
                {
                    BudgetId = budget.Id, ProjectId = budget.ProjectId, Scope = budget.Scope, ScopeValue = budget.ScopeValue,
                    PeriodStart = start, PeriodEnd = end, Amount = Dollars(budget.AmountNanos), Spent = Dollars(spent), ExhaustedAt = now,
                });
                exhausted = true;
            }
            else if (exhausted && spent < budget.AmountNanos && !leasesSpent && restoredBecause is not null)
            {
                events.Add(Restored(budget, spent, restoredBecause, now));
                exhausted = false;
            }
            if (mask == state.CrossedMask && exhausted == state.Exhausted && stateStart == storedStart && spent == state.SpentNanos)
                return;

            var version = state.Version;
            var claimed = await db.BudgetStates.Where(s => s.BudgetId == budget.Id && s.Version == version)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(s => s.PeriodStart, storedStart).SetProperty(s => s.SpentNanos, spent).SetProperty(s => s.CrossedMask, mask)
                    .SetProperty(s => s.Exhausted, exhausted).SetProperty(s => s.Version, version + 1).SetProperty(s => s.UpdatedAt, now),
                    cancellationToken);
            if (claimed == 0)
                continue;
            try
            {
                foreach (var message in events)
                    await PublishAsync(message, cancellationToken);
            }
            catch (Exception)
            {
                // Hand the claim back so these events are published by the retry, not lost.
                await db.BudgetStates.Where(s => s.BudgetId == budget.Id && s.Version == version + 1)
                    .ExecuteUpdateAsync(set => set
                        .SetProperty(s => s.PeriodStart, state.PeriodStart).SetProperty(s => s.SpentNanos, state.SpentNanos)
                        .SetProperty(s => s.CrossedMask, state.CrossedMask).SetProperty(s => s.Exhausted, state.Exhausted)
                        .SetProperty(s => s.Version, version + 2), CancellationToken.None);
                throw;
            }
            return;
        }
    }

    // The bus routes by the message's static type: publish each as what it is.
    private Task PublishAsync(object message, CancellationToken cancellationToken) => message switch
    {
        BudgetThresholdCrossed crossed => publisher.PublishAsync(crossed, cancellationToken),
        BudgetExhausted exhausted => publisher.PublishAsync(exhausted, cancellationToken),
        BudgetRestored restored => publisher.PublishAsync(restored, cancellationToken),
        _ => throw new ArgumentException($"Not a budget event: {message.GetType().Name}", nameof(message)),
    };

    /// <summary>The current period: the UTC day or calendar month, or the rolling window ending now.</summary>
    public static (DateTime Start, DateTime? End) Period(BudgetRecord budget, DateTime now) => budget.Period switch
    {
        "day" => (now.Date, now.Date.AddDays(1)),
        "month" => (new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1)),
        _ => (now.AddHours(-(budget.RollingHours ?? 24)), null),
    };

    /// <summary>The budget scope's priced spend since <paramref name="start"/>, from the per-minute rollups.</summary>
    public async Task<long> SpentAsync(BudgetRecord budget, DateTime start, CancellationToken cancellationToken)
    {
        var minute = new DateTime(start.Ticks - start.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var rows = db.Rollups.AsNoTracking().Where(r => r.ProjectId == budget.ProjectId && r.Minute >= minute);
        rows = budget.Scope switch
        {
            BudgetScopes.Feature => rows.Where(r => r.Feature == budget.ScopeValue),
            BudgetScopes.Key => rows.Where(r => r.KeyId == budget.ScopeValue),
            BudgetScopes.User => rows.Where(r => r.UserId == budget.ScopeValue),
            _ => rows,
        };
        return await rows.SumAsync(r => r.CostNanos, cancellationToken);
    }

    public static double[] Thresholds(BudgetRecord budget) => JsonSerializer.Deserialize<double[]>(budget.Thresholds) ?? [];

    private static long Level(BudgetRecord budget, double percent) => (long)Math.Ceiling(budget.AmountNanos * percent / 100);

    private static decimal Dollars(long nanos) => Pricing.Dollars(nanos)!.Value;

    private static BudgetThresholdCrossed Crossed(BudgetRecord budget, double percent, long spent, DateTime start, DateTime? end, DateTime now) => new()
    {
        BudgetId = budget.Id, ProjectId = budget.ProjectId, Scope = budget.Scope, ScopeValue = budget.ScopeValue,
        PeriodStart = start, PeriodEnd = end, Amount = Dollars(budget.AmountNanos), Spent = Dollars(spent), ThresholdPercent = percent,
        CrossedAt = now,
    };

    public static BudgetRestored Restored(BudgetRecord budget, long spent, string reason, DateTime now) => new()
    {
        BudgetId = budget.Id, ProjectId = budget.ProjectId, Scope = budget.Scope, ScopeValue = budget.ScopeValue, Reason = reason,
        Amount = Dollars(budget.AmountNanos), Spent = Dollars(spent), RestoredAt = now,
    };
}
