using LlmOps.CostAccountant.Features.Costing;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.CostAccountant.Features.Query;

/// <summary>
/// <c>GET /api/costs/inferences?id=&lt;inference id&gt;&amp;id=...</c> (up to 100): the recorded cost of each named inference,
/// what a trace page shows next to its generations (their observations carry the inference id). Primary-key lookups.
/// A project key sees only its own project's inferences (others are simply absent); the admin key sees all. Unpriced
/// inferences are listed with <c>priced: false</c> and a null cost, never $0.
/// </summary>
public static class InferenceCostEndpoint
{
    public const int MaxIds = 100;

    public sealed record InferenceCost(Guid InferenceId, string ProjectId, string? TraceId, string Model, bool Priced, decimal? Cost,
        long InputTokens, long OutputTokens, long CachedInputTokens, bool CacheHit, DateTime OccurredAt);

    public static async Task HandleAsync(HttpContext context, CostAccountantDbContext db, string[]? id)
    {
        var texts = id ?? [];
        if (texts.Length is 0 or > MaxIds)
        {
            await ErrorResponses.WriteAsync(context, 400, $"Name 1 to {MaxIds} inferences with ?id=.", "invalid_id", "id");
            return;
        }
        var ids = new List<Guid>(texts.Length);
        foreach (var text in texts)
        {
            if (!Guid.TryParse(text, out var parsed))
            {
                await ErrorResponses.WriteAsync(context, 400, $"'{text}' is not an inference id.", "invalid_id", "id");
                return;
            }
            ids.Add(parsed);
        }

        var costs = db.Costs.AsNoTracking().Where(c => ids.Contains(c.InferenceId));
        var only = context.User.ProjectFilter(null);
        if (only is not null)
            costs = costs.Where(c => c.ProjectId == only);
        var rows = await costs.ToListAsync(context.RequestAborted);
        await context.Response.WriteAsJsonAsync(new
        {
            currency = "USD",
            data = rows.OrderBy(c => c.OccurredAt).Select(c => new InferenceCost(c.InferenceId, c.ProjectId, c.TraceId, c.Model, c.Priced,
                c.Priced ? Pricing.Dollars(c.TotalCostNanos) : null, c.InputTokens, c.OutputTokens, c.CachedInputTokens, c.CacheHit,
                DateTime.SpecifyKind(c.OccurredAt, DateTimeKind.Utc))),
        }, context.RequestAborted);
    }
}
