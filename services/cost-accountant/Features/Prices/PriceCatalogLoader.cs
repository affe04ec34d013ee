using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.CostAccountant.Features.Prices;

/// <summary>
/// At start, before anything is priced: the catalog file's entries go into the database (new ones added, changed
/// ones updated unless an operator's API price has the same id: the API wins), then every stored price is loaded.
/// Entries that left the file stay: costs recorded with them keep pointing at them.
/// </summary>
public sealed partial class PriceCatalogLoader(IServiceScopeFactory scopes, PriceCatalog catalog, IOptions<CostAccountantOptions> options,
    TimeProvider clock, ILogger<PriceCatalogLoader> logger) : BeforeStartTask
{
    public override async Task StartingAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.CatalogPath ?? Path.Combine(AppContext.BaseDirectory, "Catalog", "prices.json");
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CostAccountantDbContext>();
        var stored = await db.Prices.ToDictionaryAsync(p => p.Id, cancellationToken);
        if (File.Exists(path))
        {
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var entry in PriceFile.Read(path).Prices)
            {
                var record = PriceFile.Record(entry, "catalog", now);
                if (!stored.TryGetValue(record.Id, out var existing))
                {
                    db.Prices.Add(record);
                    stored[record.Id] = record;
                }
                else if (existing.Source == "catalog")
                {
                    (existing.Aliases, existing.Input, existing.Output, existing.CachedInput, existing.CacheWrite, existing.Uncertain, existing.Comment) =
                        (record.Aliases, record.Input, record.Output, record.CachedInput, record.CacheWrite, record.Uncertain, record.Comment);
                }
            }
            await db.SaveChangesAsync(cancellationToken);
        }
        else
            LogNoCatalog(logger, path);
        catalog.Load(stored.Values);
        LogLoaded(logger, catalog.Count, path);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No price catalog at {Path}: only prices added through /api/prices are known")]
    private static partial void LogNoCatalog(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} prices known (catalog {Path})")]
    private static partial void LogLoaded(ILogger logger, int count, string path);
}
