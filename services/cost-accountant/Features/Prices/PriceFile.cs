using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmOps.CostAccountant.Infrastructure;

namespace LlmOps.CostAccountant.Features.Prices;

/// <summary>The catalog file's shape: USD per million tokens, one entry per model and date from which it applies.</summary>
public sealed record PriceFile(int Version, string Currency, List<PriceFile.Entry> Prices)
{
    public sealed record Entry(string Provider, string Model, List<string>? Aliases, decimal Input, decimal Output, decimal? CachedInput,
        decimal? CacheWrite, string EffectiveFrom, bool Uncertain, string? Comment);

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public static PriceFile Read(string path)
    {
        var file = JsonSerializer.Deserialize<PriceFile>(File.ReadAllText(path), Options)
                   ?? throw new InvalidDataException($"The price catalog {path} is empty.");
        if (!string.Equals(file.Currency, "USD", StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"The price catalog {path} is in {file.Currency}; only USD is supported.");
        return file;
    }

    public static PriceRecord Record(Entry entry, string source, DateTime now)
    {
        var from = DateTime.ParseExact(entry.EffectiveFrom, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        if (entry.Input < 0 || entry.Output < 0 || entry.CachedInput < 0 || entry.CacheWrite < 0)
            throw new InvalidDataException($"Negative price for {entry.Provider}/{entry.Model}.");
        return new PriceRecord
        {
            Id = $"{entry.Provider}/{entry.Model}@{from:yyyy-MM-dd}".ToLowerInvariant(),
            Provider = entry.Provider.ToLowerInvariant(),
            Model = entry.Model,
            Aliases = entry.Aliases is { Count: > 0 } aliases ? JsonSerializer.Serialize(aliases) : null,
            Input = entry.Input,
            Output = entry.Output,
            CachedInput = entry.CachedInput,
            CacheWrite = entry.CacheWrite,
            EffectiveFrom = from,
            Source = source,
            Uncertain = entry.Uncertain,
            Comment = entry.Comment,
            CreatedAt = now,
        };
    }
}
