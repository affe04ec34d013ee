using System.Text.Json;
using LlmOps.Contracts.Inference;
using LlmOps.CostAccountant.Features.Costing;
using LlmOps.CostAccountant.Features.Prices;
using LlmOps.CostAccountant.Infrastructure;

namespace LlmOps.CostAccountant.Tests;

public class PricingTests
{
    private static readonly DateTime June = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    private static PriceCatalog Catalog() => CatalogOf(
        Price("openai", "gpt-x", 2.50m, 10.00m, cached: 1.25m, from: new DateTime(2025, 1, 1), aliases: ["gpt-x-2025-01-01"]),
        // A price cut from June: inferences before it keep the old price.
        Price("openai", "gpt-x", 2.00m, 8.00m, cached: 0.50m, from: June),
        Price("anthropic", "claude-y", 3.00m, 15.00m, cached: 0.30m, write: 3.75m, from: new DateTime(2025, 1, 1)),
        Price("azure-openai", "gpt-x", 2.75m, 11.00m, cached: null, from: new DateTime(2025, 1, 1)));

    internal static PriceCatalog CatalogOf(params PriceRecord[] prices)
    {
        var catalog = new PriceCatalog();
        catalog.Load(prices);
        return catalog;
    }

    internal static PriceRecord Price(string provider, string model, decimal input, decimal output, decimal? cached = null, decimal? write = null,
        DateTime? from = null, string[]? aliases = null) => new()
    {
        Id = $"{provider}/{model}@{from ?? new DateTime(2025, 1, 1):yyyy-MM-dd}",
        Provider = provider,
        Model = model,
        Aliases = aliases is null ? null : JsonSerializer.Serialize(aliases),
        Input = input,
        Output = output,
        CachedInput = cached,
        CacheWrite = write,
        EffectiveFrom = DateTime.SpecifyKind(from ?? new DateTime(2025, 1, 1), DateTimeKind.Utc),
        Source = "catalog",
    };

    private static InferenceCompleted Inference(string model, TokenUsage usage, DateTime at, string provider = "openai",
        string cache = CacheStatuses.Miss, string? served = null) => new()
    {
        InferenceId = Guid.NewGuid(),
        ProjectId = "p",
        TraceId = "t",
        SpanId = "s",
        RequestedModel = model,
        ServedModel = served,
        Provider = provider,
        Usage = usage,
        StartedAt = at.AddSeconds(-1),
        CompletedAt = at,
        Status = InferenceStatuses.Success,
        CacheStatus = cache,
    };

    [Fact]
    public void Cached_input_is_charged_at_the_cached_rate_and_reasoning_as_output()
    {
        // 1,000,000 input of which 400,000 cached; 200,000 output of which 150,000 reasoning; before the June price cut.
        var usage = new TokenUsage { InputTokens = 1_000_000, CachedInputTokens = 400_000, OutputTokens = 200_000, ReasoningTokens = 150_000 };

        var cost = Pricing.Cost(Inference("gpt-x", usage, new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc)), Catalog());

        Assert.True(cost.Priced);
        Assert.Equal(1.50m, Pricing.Dollars(cost.InputCostNanos));         // 600,000 × 2.50 / 1M
        Assert.Equal(0.50m, Pricing.Dollars(cost.CachedInputCostNanos));   // 400,000 × 1.25 / 1M
        Assert.Equal(2.00m, Pricing.Dollars(cost.OutputCostNanos));        // 200,000 × 10 / 1M, reasoning included
        Assert.Equal(4.00m, Pricing.Dollars(cost.TotalCostNanos));
        Assert.Equal("openai/gpt-x@2025-01-01", cost.PriceId);
    }

    [Fact]
    public void Cache_writes_are_charged_at_the_write_rate()
    {
        var usage = new TokenUsage { InputTokens = 300_000, CachedInputTokens = 100_000, CacheWriteInputTokens = 100_000, OutputTokens = 0 };

        var cost = Pricing.Cost(Inference("claude-y", usage, June, provider: "anthropic"), Catalog());

        Assert.Equal(0.30m, Pricing.Dollars(cost.InputCostNanos));       // 100,000 uncached × 3
        Assert.Equal(0.03m, Pricing.Dollars(cost.CachedInputCostNanos)); // 100,000 × 0.30
        Assert.Equal(0.375m, Pricing.Dollars(cost.CacheWriteCostNanos)); // 100,000 × 3.75
        Assert.Equal(0.705m, Pricing.Dollars(cost.TotalCostNanos));
    }

    [Fact]
    public void A_price_change_applies_from_its_date_and_never_to_earlier_inferences()
    {
        var usage = new TokenUsage { InputTokens = 1_000_000, OutputTokens = 1_000_000 };

        var before = Pricing.Cost(Inference("gpt-x", usage, June.AddTicks(-1)), Catalog());
        var after = Pricing.Cost(Inference("gpt-x", usage, June), Catalog());

        Assert.Equal(12.50m, Pricing.Dollars(before.TotalCostNanos));
        Assert.Equal(10.00m, Pricing.Dollars(after.TotalCostNanos));
        Assert.Equal("openai/gpt-x@2026-06-01", after.PriceId);
    }

    [Fact]
    public void An_unknown_model_is_unpriced_with_no_cost_rather_than_free()
    {
        var cost = Pricing.Cost(Inference("mystery-model", new TokenUsage { InputTokens = 10, OutputTokens = 5 }, June), Catalog());
        var message = Pricing.Message(cost);

        Assert.False(cost.Priced);
        Assert.Null(cost.TotalCostNanos);
        Assert.False(message.Priced);
        Assert.Null(message.TotalCost);
        Assert.Equal(10, message.InputTokens);
    }

    [Fact]
    public void A_cache_hit_and_a_request_refused_before_any_token_cost_nothing_even_for_an_unknown_model()
    {
        var hit = Pricing.Cost(Inference("gpt-x", new TokenUsage { InputTokens = 500, OutputTokens = 50 }, June, cache: CacheStatuses.SemanticHit), Catalog());
        var refused = Pricing.Cost(Inference("mystery-model", new TokenUsage(), June), Catalog());

        Assert.True(hit.Priced);
        Assert.Equal(0, hit.TotalCostNanos);
        Assert.True(hit.CacheHit);
        Assert.True(refused.Priced);
        Assert.Equal(0, refused.TotalCostNanos);
    }

    [Fact]
    public void The_served_model_and_aliases_are_looked_up_and_the_deployments_provider_wins()
    {
        var usage = new TokenUsage { InputTokens = 1_000_000 };

        var alias = Pricing.Cost(Inference("my-route", usage, June.AddDays(-10), served: "GPT-X-2025-01-01"), Catalog());
        var azure = Pricing.Cost(Inference("gpt-x", usage, June, provider: "azure-openai"), Catalog());
        var otherProvider = Pricing.Cost(Inference("gpt-x", usage, June, provider: "some-proxy"), Catalog());

        Assert.Equal(2.50m, Pricing.Dollars(alias.TotalCostNanos));
        Assert.Equal("gpt-x", alias.Model);
        Assert.Equal(2.75m, Pricing.Dollars(azure.TotalCostNanos));
        Assert.Equal(2.00m, Pricing.Dollars(otherProvider.TotalCostNanos));
    }
}
