using LlmOps.CostAccountant.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.CostAccountant.Features.Budgets;

/// <summary>
/// Once a minute, re-evaluates budgets that are exhausted or have announced thresholds, so a new day or month restores
/// them (BudgetRestored, reason new_period) and a rolling window re-arms, without waiting for the next spend.
/// </summary>
public sealed partial class BudgetPeriodTicker(IServiceScopeFactory scopes, TimeProvider clock, ILogger<BudgetPeriodTicker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(1), clock, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<CostAccountantDbContext>();
                var watch = scope.ServiceProvider.GetRequiredService<BudgetWatch>();
                var active = await db.BudgetStates.AsNoTracking().Where(s => s.Exhausted || s.CrossedMask != 0).Select(s => s.BudgetId)
                    .ToListAsync(stoppingToken);
                foreach (var budget in await db.Budgets.AsNoTracking().Where(b => active.Contains(b.Id)).ToListAsync(stoppingToken))
                    await watch.EvaluateAsync(budget, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogTickFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-evaluating budget periods failed; trying again in a minute")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
