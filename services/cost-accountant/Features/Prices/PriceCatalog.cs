using System.Collections.Frozen;
using System.Text.Json;
using LlmOps.CostAccountant.Infrastructure;

namespace LlmOps.CostAccountant.Features.Prices;

/// <summary>
/// Every known price in memory, by model id (canonical or alias, case-insensitive), newest first. A lookup takes the
/// price in force when the inference happened; the deployment's provider wins over another provider's price for the
/// same model id. Replaced whole when prices change (reads never lock).
/// </summary>
public sealed class PriceCatalog
{
    public sealed record Price(string Id, string Provider, string Model, decimal Input, decimal Output, decimal? CachedInput,
        decimal? CacheWrite, DateTime EffectiveFrom, string Source, bool Uncertain);

    private volatile FrozenDictionary<string, Price[]> _byModel = FrozenDictionary<string, Price[]>.Empty;

    public int Count { get; private set; }

    public void Load(IEnumerable<PriceRecord> records)
    {
        var entries = new Dictionary<string, List<Price>>(StringComparer.OrdinalIgnoreCase);
        var count = 0;
        foreach (var record in records)
        {
            count++;
            var price = new Price(record.Id, record.Provider, record.Model, record.Input, record.Output, record.CachedInput, record.CacheWrite,
                DateTime.SpecifyKind(record.EffectiveFrom, DateTimeKind.Utc), record.Source, record.Uncertain);
            foreach (var name in Names(record))
            {
                if (!entries.TryGetValue(name, out var list))
                    entries[name] = list = [];
                list.Add(price);
            }
        }
        // Newest first; at the same date an operator's API price wins over the file.
        _byModel = entries.ToFrozenDictionary(e => e.Key,
            e => e.Value.OrderByDescending(p => p.EffectiveFrom).ThenBy(p => p.Source == "api" ? 0 : 1).ToArray(), StringComparer.OrdinalIgnoreCase);
        Count = count;
    }

    /// <summary>The price of <paramref name="model"/> in force at <paramref name="at"/>, or null when none is known.</summary>
    public Price? Find(string? provider, string model, DateTime at)
    {
        if (!_byModel.TryGetValue(model, out var prices))
            return null;
        Price? anyProvider = null;
        foreach (var price in prices)
        {
            if (price.EffectiveFrom > at)
                continue;
            if (provider is not null && string.Equals(price.Provider, provider, StringComparison.OrdinalIgnoreCase))
                return price;
            anyProvider ??= price;
        }
        return anyProvider;
    }

    private static IEnumerable<string> Names(PriceRecord record)
    {
        yield return record.Model;
        if (record.Aliases is null)
            yield break;
        foreach (var alias in JsonSerializer.Deserialize<string[]>(record.Aliases) ?? [])
            yield return alias;
    }
}
