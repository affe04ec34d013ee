using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LlmOps.Alerting.Features.Rules;

/// <summary>
/// Prometheus-style durations: one or more number + unit pairs, largest unit first (<c>30s</c>, <c>5m</c>, <c>1h30m</c>,
/// <c>7d</c>, <c>2w</c>, <c>500ms</c>). Integers only, as Prometheus has them, so <c>1.5h</c> is an error rather than a guess.
/// </summary>
public static partial class Duration
{
    private static readonly (string Unit, TimeSpan Size)[] Units =
    [
        ("w", TimeSpan.FromDays(7)), ("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)),
        ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)), ("ms", TimeSpan.FromMilliseconds(1)),
    ];

    [GeneratedRegex(@"^(?:(\d+)(ms|w|d|h|m|s))+$")]
    private static partial Regex Shape();

    [GeneratedRegex(@"(\d+)(ms|w|d|h|m|s)")]
    private static partial Regex Part();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
            return false;
        if (text == "0")
            return true;
        if (!Shape().IsMatch(text))
            return false;
        var previous = -1;
        foreach (Match part in Part().Matches(text))
        {
            var index = Array.FindIndex(Units, u => u.Unit == part.Groups[2].Value);
            if (index <= previous) // units in order, each once: "5m1h" and "1m1m" are typos, not durations
                return false;
            previous = index;
            if (!long.TryParse(part.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                return false;
            try
            {
                value += Units[index].Size * count;
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not a duration (e.g. 30s, 5m, 1h30m, 7d).");

    /// <summary>The shortest Prometheus form (<c>1h30m</c>); <c>0s</c> for zero.</summary>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
            return "0s";
        var builder = new StringBuilder();
        var rest = value;
        foreach (var (unit, size) in Units)
        {
            var count = rest.Ticks / size.Ticks;
            if (count == 0)
                continue;
            builder.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
            rest -= size * count;
        }
        return builder.ToString();
    }
}
