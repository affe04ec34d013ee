using System.Text.Json;
using LlmOps.Contracts.Cost;
using LlmOps.CostAccountant.Features.Costing;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.CostAccountant.Features.Budgets;

/// <summary>
/// <c>/api/budgets</c>: the admin creates, changes and deletes budgets; a project key lists its project's. Every view
/// carries where the budget stands (spent in the current period, thresholds announced, exhausted).
/// </summary>
public static class BudgetEndpoints
{
    private static readonly string[] Scopes = [BudgetScopes.Project, BudgetScopes.Feature, BudgetScopes.Key, BudgetScopes.User];
    private static readonly string[] Periods = ["day", "month", "rolling"];

    public sealed record CreateBudget(string? ProjectId, string? Scope, string? ScopeValue, string? Period, int? RollingHours, decimal? Amount,
        List<double>? Thresholds);

    public sealed record UpdateBudget(decimal? Amount, List<double>? Thresholds);

    public static async Task<IResult> CreateAsync(CreateBudget request, CostAccountantDbContext db, BudgetWatch watch, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var scope = request.Scope ?? BudgetScopes.Project;
        var errors = new Dictionary<string, string[]>();
        if (request.ProjectId is not { Length: > 0 and <= 128 })
            errors["projectId"] = ["A budget belongs to a project."];
        if (!Scopes.Contains(scope))
            errors["scope"] = [$"scope is one of {string.Join(", ", Scopes)}."];
        else if (scope != BudgetScopes.Project && request.ScopeValue is not { Length: > 0 and <= 256 })
            errors["scopeValue"] = ["A feature, key or user budget names its feature, key id or user id (≤ 256 characters)."];
        if (request.Period is null || !Periods.Contains(request.Period))
            errors["period"] = [$"period is one of {string.Join(", ", Periods)}."];
        else if (request.Period == "rolling" && request.RollingHours is not (>= 1 and <= 24 * 90))
            errors["rollingHours"] = ["A rolling budget needs rollingHours from 1 to 2160."];
        AmountProblem(request.Amount, errors);
        ThresholdProblem(request.Thresholds, errors);
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var now = clock.GetUtcNow().UtcDateTime;
        var budget = new BudgetRecord
        {
            Id = Guid.CreateVersion7(),
            ProjectId = request.ProjectId!,
            Scope = scope,
            ScopeValue = scope == BudgetScopes.Project ? request.ProjectId! : request.ScopeValue!,
            Period = request.Period!,
            RollingHours = request.Period == "rolling" ? request.RollingHours : null,
            AmountNanos = Pricing.Nanos(request.Amount!.Value),
            Thresholds = JsonSerializer.Serialize((request.Thresholds ?? [50, 80, 100]).Distinct().Order().ToArray()),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Budgets.Add(budget);
        await db.SaveChangesAsync(cancellationToken);
        // Spend already in the period counts at once.
        await watch.EvaluateAsync(budget, cancellationToken);
        return Results.Created($"/api/budgets/{budget.Id}", await ViewAsync(db, budget, cancellationToken));
    }

    public static async Task<IResult> UpdateAsync(Guid id, UpdateBudget request, CostAccountantDbContext db, BudgetWatch watch, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Amount is not null)
            AmountProblem(request.Amount, errors);
        ThresholdProblem(request.Thresholds, errors);
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);
        var budget = await db.Budgets.FindAsync([id], cancellationToken);
        if (budget is null)
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No budget {id}.");
        if (request.Amount is { } amount)
            budget.AmountNanos = Pricing.Nanos(amount);
        if (request.Thresholds is { } thresholds)
        {
            budget.Thresholds = JsonSerializer.Serialize(thresholds.Distinct().Order().ToArray());
            // New thresholds, new announcements: each is compared afresh.
            await db.BudgetStates.Where(s => s.BudgetId == id).ExecuteUpdateAsync(set => set.SetProperty(s => s.CrossedMask, 0)
                .SetProperty(s => s.Version, s => s.Version + 1), cancellationToken);
        }
        budget.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        await watch.EvaluateAsync(budget, cancellationToken, restoredBecause: "amount_raised");
        return Results.Ok(await ViewAsync(db, budget, cancellationToken));
    }

    public static async Task<IResult> DeleteAsync(Guid id, CostAccountantDbContext db, BoundedPublisher publisher, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var budget = await db.Budgets.FindAsync([id], cancellationToken);
        if (budget is null)
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No budget {id}.");
        var state = await db.BudgetStates.AsNoTracking().SingleOrDefaultAsync(s => s.BudgetId == id, cancellationToken);
        // Whoever refuses requests for this budget must hear it is gone before it is.
        if (state is { Exhausted: true })
            await publisher.PublishAsync(BudgetWatch.Restored(budget, state.SpentNanos, "budget_deleted", clock.GetUtcNow().UtcDateTime), cancellationToken);
        await db.BudgetStates.Where(s => s.BudgetId == id).ExecuteDeleteAsync(cancellationToken);
        db.Budgets.Remove(budget);
        await db.SaveChangesAsync(cancellationToken);
        return Results.NoContent();
    }

    public static async Task<IResult> ListAsync(HttpContext context, CostAccountantDbContext db, string? projectId, CancellationToken cancellationToken)
    {
        var query = db.Budgets.AsNoTracking();
        if (context.User.ProjectFilter(projectId) is { } only)
            query = query.Where(b => b.ProjectId == only);
        var budgets = await query.OrderBy(b => b.ProjectId).ThenBy(b => b.CreatedAt).Take(1_000).ToListAsync(cancellationToken);
        var views = new List<object>(budgets.Count);
        foreach (var budget in budgets)
            views.Add(await ViewAsync(db, budget, cancellationToken));
        return Results.Ok(new { currency = "USD", data = views });
    }

    private static async Task<object> ViewAsync(CostAccountantDbContext db, BudgetRecord b, CancellationToken cancellationToken)
    {
        var state = await db.BudgetStates.AsNoTracking().SingleOrDefaultAsync(s => s.BudgetId == b.Id, cancellationToken);
        var thresholds = BudgetWatch.Thresholds(b);
        return new
        {
            id = b.Id, projectId = b.ProjectId, scope = b.Scope, scopeValue = b.ScopeValue, period = b.Period, rollingHours = b.RollingHours,
            amount = Pricing.Dollars(b.AmountNanos), thresholds,
            spent = Pricing.Dollars(state?.SpentNanos ?? 0),
            thresholdsCrossed = thresholds.Where((_, i) => ((state?.CrossedMask ?? 0) & (1 << i)) != 0).ToArray(),
            exhausted = state?.Exhausted ?? false,
        };
    }

    private static void AmountProblem(decimal? amount, Dictionary<string, string[]> errors)
    {
        if (amount is not (> 0 and <= 1_000_000_000))
            errors["amount"] = ["amount is a positive number of USD (at most 1,000,000,000)."];
    }

    private static void ThresholdProblem(List<double>? thresholds, Dictionary<string, string[]> errors)
    {
        if (thresholds is { } list && (list.Count is 0 or > 16 || list.Any(t => t is <= 0 or > 1000 || double.IsNaN(t))))
            errors["thresholds"] = ["1 to 16 percentages of the amount, each above 0 and at most 1000."];
    }
}
