using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// The regular expressions of <c>pattern</c> and <c>patternProperties</c>, built once per distinct pattern. Schema
/// patterns are ECMA-262; .NET's syntax is close to a superset of what schemas use (one difference: <c>\d</c> and
/// <c>\w</c> also match non-ASCII digits and letters). A match timeout bounds a catastrophic pattern.
/// </summary>
internal static class SchemaPatterns
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Schemas come from configuration, so the distinct patterns are few; the bound only guards against a
    /// caller generating them.</summary>
    private const int Capacity = 1024;

    private static readonly ConcurrentDictionary<string, Regex?> Cache = new(StringComparer.Ordinal);

    /// <summary>Why <paramref name="pattern"/> cannot be used, or null.</summary>
    public static string? Problem(string pattern) => TryCreate(pattern, out _);

    private static string? TryCreate(string pattern, out Regex? regex)
    {
        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
            return null;
        }
        catch (ArgumentException e)
        {
            regex = null;
            return e.Message;
        }
    }

    /// <summary>True or false, or null when the pattern is invalid or the match timed out.</summary>
    public static bool? IsMatch(string pattern, string input)
    {
        if (!Cache.TryGetValue(pattern, out var regex))
        {
            TryCreate(pattern, out regex);
            if (Cache.Count < Capacity)
                Cache.TryAdd(pattern, regex);
        }
        if (regex is null)
            return null;
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }
}
