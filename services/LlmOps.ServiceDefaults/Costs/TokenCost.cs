namespace LlmOps.ServiceDefaults.Costs;

/// <summary>
/// What tokens cost at catalog prices (USD per million), in nano-dollars: cached input and cache writes at their own
/// rates (the input rate when the catalog has none), output (reasoning included) at the output rate. One formula for
/// cost-accountant's ledger and the gateway's budget charges, so a budget is charged exactly what the ledger records.
/// </summary>
public readonly record struct TokenCost(long InputNanos, long CachedInputNanos, long CacheWriteNanos, long OutputNanos)
{
    public long TotalNanos => InputNanos + CachedInputNanos + CacheWriteNanos + OutputNanos;

    public static TokenCost Of(long inputTokens, long cachedInputTokens, long cacheWriteTokens, long outputTokens,
        decimal input, decimal output, decimal? cachedInput, decimal? cacheWrite)
    {
        var cached = Math.Max(0, cachedInputTokens);
        var written = Math.Max(0, cacheWriteTokens);
        var uncached = Math.Max(0, inputTokens - cached - written);
        return new TokenCost(Nanos(uncached, input), Nanos(cached, cachedInput ?? input), Nanos(written, cacheWrite ?? input), Nanos(outputTokens, output));
    }

    /// <summary>Tokens × USD per million, in nano-dollars (rounded half away from zero).</summary>
    public static long Nanos(long tokens, decimal perMillion) =>
        (long)Math.Round(tokens * perMillion * 1_000m, MidpointRounding.AwayFromZero);
}
