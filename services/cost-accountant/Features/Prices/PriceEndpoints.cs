using System.Text.Json;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.CostAccountant.Features.Prices;

/// <summary>
/// <c>GET /api/prices</c> lists the catalog (every dated price; <c>?model=</c> narrows); <c>POST /api/prices</c> (admin)
/// adds a price from a date on. Prices are never edited in place: a change is a new entry, so recorded costs keep theirs.
/// Posting the same provider, model and date again replaces that API price (the catalog file cannot override it).
/// </summary>
public static class PriceEndpoints
{
    public sealed record PriceView(string Id, string Provider, string Model, IReadOnlyList<string> Aliases, decimal Input, decimal Output,
        decimal? CachedInput, decimal? CacheWrite, DateTime EffectiveFrom, string Source, bool Uncertain, string? Comment);

    public static async Task<IResult> ListAsync(CostAccountantDbContext db, string? model, CancellationToken cancellationToken)
    {
        var query = db.Prices.AsNoTracking();
        if (!string.IsNullOrEmpty(model))
            query = query.Where(p => p.Model == model || (p.Aliases != null && p.Aliases.Contains("\"" + model + "\"")));
        var prices = await query.OrderBy(p => p.Provider).ThenBy(p => p.Model).ThenBy(p => p.EffectiveFrom).ToListAsync(cancellationToken);
        return Results.Ok(new { currency = "USD", unit = "per_million_tokens", data = prices.Select(View) });
    }

    public static async Task<IResult> AddAsync(PriceFile.Entry entry, CostAccountantDbContext db, PriceCatalog catalog, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        PriceRecord record;
        try
        {
            if (string.IsNullOrWhiteSpace(entry.Provider) || string.IsNullOrWhiteSpace(entry.Model) || entry.Model.Length > 200 || entry.Provider.Length > 64)
                throw new InvalidDataException("provider (≤ 64 characters) and model (≤ 200) are required.");
            record = PriceFile.Record(entry, "api", clock.GetUtcNow().UtcDateTime);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or ArgumentNullException)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["price"] = [ex is FormatException or ArgumentNullException ? "effectiveFrom is a date (yyyy-MM-dd)." : ex.Message],
            });
        }
        var existing = await db.Prices.FindAsync([record.Id], cancellationToken);
        if (existing is null)
            db.Prices.Add(record);
        else
            db.Entry(existing).CurrentValues.SetValues(record);
        await db.SaveChangesAsync(cancellationToken);
        catalog.Load(await db.Prices.AsNoTracking().ToListAsync(cancellationToken));
        return Results.Created($"/api/prices?model={Uri.EscapeDataString(record.Model)}", View(record));
    }

    private static PriceView View(PriceRecord p) => new(p.Id, p.Provider, p.Model,
        p.Aliases is null ? [] : JsonSerializer.Deserialize<string[]>(p.Aliases) ?? [], p.Input, p.Output, p.CachedInput, p.CacheWrite,
        DateTime.SpecifyKind(p.EffectiveFrom, DateTimeKind.Utc), p.Source, p.Uncertain, p.Comment);
}
