using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Inference;
using LlmOps.CostAccountant.Features.Prices;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Costs;

namespace LlmOps.CostAccountant.Features.Costing;

/// <summary>
/// The price of one inference. Tokens follow the platform's convention (input includes cache reads and writes, output
/// includes reasoning): uncached input at the input price, cache reads at the cached price (the input price when the
/// model has none), cache writes at the cache-write price (likewise), output and reasoning at the output price. A cache
/// hit at the gateway cost nothing. The model is the one that served the request, else the one asked for. An inference
/// with tokens and no known price is <b>unpriced</b>: its costs are null, never zero.
/// </summary>
public static class Pricing
{
    private const decimal NanosPerDollar = 1_000_000_000m;

    public static CostRecord Cost(InferenceCompleted inference, PriceCatalog catalog)
    {
        var usage = inference.Usage;
        var occurred = inference.CompletedAt.UtcDateTime;
        var hit = inference.CacheStatus is CacheStatuses.Hit or CacheStatuses.SemanticHit;
        var price = catalog.Find(inference.Provider, inference.ServedModel ?? inference.RequestedModel, occurred)
                    ?? (inference.ServedModel is null ? null : catalog.Find(inference.Provider, inference.RequestedModel, occurred));
        var record = new CostRecord
        {
            InferenceId = inference.InferenceId,
            ProjectId = inference.ProjectId,
            TraceId = inference.TraceId,
            KeyId = inference.KeyId,
            UserId = inference.UserId,
            Feature = inference.Feature,
            PromptName = inference.PromptName,
            PromptVersion = inference.PromptVersion,
            Deployment = inference.Deployment,
            Provider = inference.Provider,
            Model = price?.Model ?? inference.ServedModel ?? inference.RequestedModel,
            InputTokens = usage.InputTokens,
            OutputTokens = usage.OutputTokens,
            CachedInputTokens = usage.CachedInputTokens,
            CacheWriteInputTokens = usage.CacheWriteInputTokens,
            ReasoningTokens = usage.ReasoningTokens,
            CacheHit = hit,
            OccurredAt = occurred,
            PriceId = price?.Id,
        };
        if (hit || usage.InputTokens + usage.OutputTokens == 0)
        {
            // Nothing was spent: a cache hit, or a request refused before any token.
            record.Priced = true;
            record.InputCostNanos = record.OutputCostNanos = record.CachedInputCostNanos = record.CacheWriteCostNanos = record.TotalCostNanos = 0;
            return record;
        }
        if (price is null)
        {
            record.Priced = false;
            return record;
        }

        var cost = TokenCost.Of(usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteInputTokens, usage.OutputTokens,
            price.Input, price.Output, price.CachedInput, price.CacheWrite);
        record.Priced = true;
        record.InputCostNanos = cost.InputNanos;
        record.CachedInputCostNanos = cost.CachedInputNanos;
        record.CacheWriteCostNanos = cost.CacheWriteNanos;
        record.OutputCostNanos = cost.OutputNanos;
        record.TotalCostNanos = cost.TotalNanos;
        return record;
    }

    public static decimal? Dollars(long? nanos) => nanos is { } n ? n / NanosPerDollar : null;

    public static long Nanos(decimal dollars) => (long)Math.Round(dollars * NanosPerDollar);

    public static CostRecorded Message(CostRecord cost) => new()
    {
        InferenceId = cost.InferenceId,
        ProjectId = cost.ProjectId,
        TraceId = cost.TraceId,
        KeyId = cost.KeyId,
        UserId = cost.UserId,
        Feature = cost.Feature,
        PromptName = cost.PromptName,
        PromptVersion = cost.PromptVersion,
        Deployment = cost.Deployment,
        Provider = cost.Provider,
        Model = cost.Model,
        InputTokens = cost.InputTokens,
        OutputTokens = cost.OutputTokens,
        CachedInputTokens = cost.CachedInputTokens,
        CacheWriteInputTokens = cost.CacheWriteInputTokens,
        ReasoningTokens = cost.ReasoningTokens,
        Priced = cost.Priced,
        InputCost = Dollars(cost.InputCostNanos),
        OutputCost = Dollars(cost.OutputCostNanos),
        CachedInputCost = Dollars(cost.CachedInputCostNanos),
        CacheWriteCost = Dollars(cost.CacheWriteCostNanos),
        TotalCost = Dollars(cost.TotalCostNanos),
        PriceId = cost.PriceId,
        CacheHit = cost.CacheHit,
        OccurredAt = new DateTimeOffset(DateTime.SpecifyKind(cost.OccurredAt, DateTimeKind.Utc)),
    };
}
