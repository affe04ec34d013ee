using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Gateway;
using LlmOps.InferenceProxy.Features.Routing;
using LlmOps.ServiceDefaults.Costs;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Budgets;

/// <summary>
/// Admits a request only if every budget it falls under (its project's, its key's, its feature's, its user's) has room
/// in this replica's slice for the request's reservation: prompt characters ÷ 4 at the input price plus max_tokens (or
/// <c>DefaultOutputTokens</c>) at the output price, at the dearest deployment the route may use. Once the call is over the
/// reservation is corrected to the real cost (the catalog price of the model that answered). Refusal: 429 with OpenAI's
/// <c>insufficient_quota</c> code. A model the catalog cannot price is not charged (it shows as unpriced in the costs and
/// pages through the unpriced-model alert).
/// </summary>
public sealed class BudgetGate(BudgetBook book, IOptions<InferenceProxyOptions> options)
{
    private static readonly Counter<long> Refused = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.budget.refused", description: "Requests refused because a budget was spent, by project");

    private static readonly Counter<long> Unchecked = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.budget.unchecked", description: "Requests admitted without a budget check because cost-accountant did not answer");

    /// <summary>What a call reserved, to be corrected when it is over.</summary>
    public sealed record Charge(BudgetBook.ProjectBudgets Project, IReadOnlyList<BudgetBook.Slice> Slices, long Reserved);

    public async Task<bool> AdmitAsync(HttpContext context, GatewayCall call, JsonObject body, RoutePlan plan)
    {
        if (!book.Enabled || call.ProjectId.Length == 0)
            return true;
        var project = book.Of(call.ProjectId);
        var models = plan.Candidates.Select(d => (Provider: (string?)d.Provider, Model: d.UpstreamModel ?? call.RequestedModel)).Distinct().ToList();
        // Read from the body once, outside the project's lock (it serialises the prompt).
        var estimate = RequestEstimate.Of(body);
        lock (project.Gate)
        {
            foreach (var model in models.Where(m => !project.Prices.ContainsKey(m) && !project.Unpriced.Contains(m)))
                project.Wanted.Add(model);
        }

        // Only a request this replica holds nothing for waits: for a renewal, or two when the first was already under
        // way without this request's models (their prices are needed to charge it).
        for (var renewal = 0; renewal < 2; renewal++)
        {
            bool priced;
            lock (project.Gate)
            {
                priced = project.Known && !models.Any(project.Wanted.Contains);
                if (priced && TryReserve(project, call, models, estimate, body))
                    return true;
                // A budget found spent a moment ago: refuse at once rather than ask again for every request.
                if (priced && book.Dry(project))
                    break;
            }
            if (!await book.WaitForRenewalAsync(call.ProjectId, project, context.RequestAborted, needsPrices: !priced))
                break;
        }
        lock (project.Gate)
        {
            if (!project.Known || models.Any(project.Wanted.Contains))
            {
                // cost-accountant has never answered for this project, or not with this model's price: the request
                // cannot be charged, so it goes on unchecked (counted) rather than reserving nothing as if it were free.
                Unchecked.Add(1);
                return true;
            }
            // After the renewal, or with what this replica holds if cost-accountant did not answer in time.
            if (TryReserve(project, call, models, estimate, body))
                return true;
        }
        Refused.Add(1, new KeyValuePair<string, object?>("project", call.ProjectId));
        await GatewayPipeline.WriteFailureAsync(context, call, AttemptOutcome.Failure(429, InferenceStatuses.RateLimited, "insufficient_quota",
            "You exceeded your current quota: a budget of this project is spent for its period. Raise the budget or wait for its next period."));
        return false;
    }

    /// <summary>Reserves on every budget the call falls under, or marks the first short one as wanting more.</summary>
    private bool TryReserve(BudgetBook.ProjectBudgets project, GatewayCall call, List<(string? Provider, string Model)> models,
        (long PromptTokens, long? MaxOutputTokens) estimate, JsonObject body)
    {
        var reserve = Reservation(project, models, estimate, body);
        var slices = project.Slices.Where(s => Applies(s, call)).ToList();
        if (slices.FirstOrDefault(s => s.Balance < reserve) is { } shortSlice)
        {
            shortSlice.Wanted = Math.Max(shortSlice.Wanted, reserve);
            return false;
        }
        foreach (var slice in slices)
            slice.Used += reserve;
        call.BudgetCharge = new Charge(project, slices, reserve);
        if (slices.Any(s => s.Balance < s.Granted / 2))
            _ = book.RenewAsync(call.ProjectId, project);
        return true;
    }

    /// <summary>Replaces the reservation with the real cost once the call is over.</summary>
    public void Settle(GatewayCall call)
    {
        if (call.BudgetCharge is not { } charge)
            return;
        call.BudgetCharge = null;
        lock (charge.Project.Gate)
        {
            var actual = Cost(charge.Project, call);
            foreach (var slice in charge.Slices)
                slice.Used += actual - charge.Reserved;
        }
    }

    private static bool Applies(BudgetBook.Slice slice, GatewayCall call) => slice.Scope switch
    {
        BudgetScopes.Project => true,
        BudgetScopes.Key => call.KeyId == slice.ScopeValue,
        BudgetScopes.Feature => call.Feature == slice.ScopeValue,
        BudgetScopes.User => call.UserId == slice.ScopeValue,
        _ => false,
    };

    private long Reservation(BudgetBook.ProjectBudgets project, List<(string? Provider, string Model)> models, (long PromptTokens, long? MaxOutputTokens) estimate,
        JsonObject body)
    {
        var (prompt, max) = estimate;
        var output = max ?? options.Value.Budgets.DefaultOutputTokens;
        var choices = body["n"] is JsonValue n && n.TryGetValue<long>(out var count) ? Math.Clamp(count, 1, 128) : 1;
        long dearest = 0;
        foreach (var model in models)
            if (project.Prices.TryGetValue(model, out var price))
                dearest = Math.Max(dearest, TokenCost.Nanos(prompt, price.Input) + TokenCost.Nanos(output * choices, price.Output));
        return dearest;
    }

    /// <summary>The call's cost as cost-accountant will price it: cached and cache-write tokens at their rates, output incl. reasoning.</summary>
    private static long Cost(BudgetBook.ProjectBudgets project, GatewayCall call)
    {
        var usage = call.Usage;
        if (call.CacheStatus is CacheStatuses.Hit or CacheStatuses.SemanticHit || usage.InputTokens + usage.OutputTokens == 0)
            return 0;
        var provider = call.Deployment?.Provider;
        var upstream = call.Deployment?.UpstreamModel ?? call.RequestedModel;
        if (!project.Prices.TryGetValue((provider, upstream), out var price))
            return 0;
        return TokenCost.Of(usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteInputTokens, usage.OutputTokens,
            price.Input, price.Output, price.CachedInput, price.CacheWrite).TotalNanos;
    }
}
