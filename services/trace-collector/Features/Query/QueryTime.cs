using System.Globalization;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>The query APIs' <c>from</c> / <c>to</c> parameters: one reading for every endpoint.</summary>
internal static class QueryTime
{
    /// <summary>Blank is no bound (true, null); otherwise an ISO-8601 time, one without an offset read as UTC (the zone every
    /// stored time is in); false when it is not a time.</summary>
    public static bool TryParse(string? text, out DateTime? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
            return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            return false;
        value = parsed.UtcDateTime;
        return true;
    }
}
