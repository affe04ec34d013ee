using System.Text.Json;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Rollups;

/// <summary>
/// What a stored observation adds to the generation rollups: nothing unless it is a generation with a start time;
/// otherwise one generation in its start minute, its time to first token (completion start − start) when it streamed,
/// and its response-cache outcome. "Streamed" is the gateway's <c>metadata.streamed</c>; an OTLP or ingest generation
/// has no such flag and counts when it reports a completion start (SDKs set one only for streams). The cache outcome is
/// the gateway's <c>metadata.cacheStatus</c>: <c>hit</c> and <c>semantic_hit</c> are hits, <c>miss</c> a lookup without
/// one; <c>bypass</c> and <c>none</c> (no cache consulted) are not lookups, so they do not dilute the hit rate.
/// </summary>
public static class GenerationFacts
{
    public const int NoLookup = 0;
    public const int Miss = 1;
    public const int Hit = 2;

    internal sealed record Contribution(DateTime Minute, int Bucket, int Cache);

    internal static Contribution? Of(string? type, DateTime? start, DateTime? completionStart, string? metadata)
    {
        if (type != ObservationTypes.Generation || start is not { } started)
            return null;
        var (streamed, cacheStatus) = Read(metadata);
        var bucket = completionStart is { } first && streamed != false ? LatencyHistogram.Bucket(started, first) : LatencyHistogram.Untimed;
        var cache = cacheStatus switch
        {
            "hit" or "semantic_hit" => Hit,
            "miss" => Miss,
            _ => NoLookup,
        };
        return new Contribution(RollupAccounting.Minute(started), bucket, cache);
    }

    /// <summary>The top-level <c>streamed</c> and <c>cacheStatus</c> of the metadata; text that is not a JSON object has neither.</summary>
    private static (bool? Streamed, string? CacheStatus) Read(string? metadata)
    {
        if (string.IsNullOrEmpty(metadata) || metadata[0] != '{')
            return (null, null);
        try
        {
            using var document = JsonDocument.Parse(metadata);
            var root = document.RootElement;
            bool? streamed = root.TryGetProperty("streamed", out var s) && s.ValueKind is JsonValueKind.True or JsonValueKind.False ? s.GetBoolean() : null;
            var cache = root.TryGetProperty("cacheStatus", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            return (streamed, cache);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}
