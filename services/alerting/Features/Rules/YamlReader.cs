using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Alerting.Features.Rules;

/// <summary>
/// Strict reading of a YAML mapping for the rules file: every key must be known, every problem is collected with its
/// line and column (so an operator sees all the typos at once, not one per restart).
/// </summary>
internal sealed class YamlReader(string source)
{
    public List<string> Errors { get; } = [];

    public void Error(YamlNode? node, string path, string message) =>
        Errors.Add(node is null
            ? $"{source}: {path}: {message}"
            : $"{source}:{node.Start.Line}:{node.Start.Column}: {path}: {message}");

    public YamlMap? Map(YamlNode? node, string path)
    {
        if (node is YamlMappingNode mapping)
            return new YamlMap(this, mapping, path);
        Error(node, path, "expected a mapping (key: value lines)");
        return null;
    }

    public IReadOnlyList<YamlNode> Sequence(YamlNode? node, string path)
    {
        if (node is YamlSequenceNode sequence)
            return sequence.Children.ToList();
        Error(node, path, "expected a list (- item lines)");
        return [];
    }

    public string? Scalar(YamlNode? node, string path)
    {
        if (node is YamlScalarNode { Value: { } value } && !(IsNull(node) && value.Length == 0))
            return value;
        Error(node, path, "expected a single value");
        return null;
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };
}

internal sealed class YamlMap(YamlReader reader, YamlMappingNode node, string path)
{
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _entries = Entries(reader, node, path);

    public string Path => path;

    public bool Has(string key) => _entries.ContainsKey(key);

    public IEnumerable<(string Key, YamlNode KeyNode, YamlNode Value)> All => _entries.Select(e => (e.Key, e.Value.Key, e.Value.Value));

    /// <summary>Reports every key not in <paramref name="known"/> (with a hint when it is a near miss).</summary>
    public void Only(params string[] known)
    {
        foreach (var (key, (keyNode, _)) in _entries)
            if (!known.Contains(key))
            {
                var near = known.FirstOrDefault(k => Distance(k, key) <= 2 || (key.Length >= 3 && (k.StartsWith(key, StringComparison.Ordinal) || key.StartsWith(k, StringComparison.Ordinal))));
                reader.Error(keyNode, path, $"unknown key '{key}'" + (near is null ? $" (expected one of: {string.Join(", ", known)})" : $" (did you mean '{near}'?)"));
            }
    }

    public YamlNode? Node(string key, bool required)
    {
        if (_entries.TryGetValue(key, out var entry))
            return entry.Value;
        if (required)
            reader.Error(node, path, $"'{key}' is required");
        return null;
    }

    public string? String(string key, bool required = true)
    {
        var value = Node(key, required);
        return value is null ? null : reader.Scalar(value, $"{path}.{key}");
    }

    public double? Number(string key, bool required = true, double min = double.MinValue, double max = double.MaxValue, bool exclusiveMin = false, bool exclusiveMax = false)
    {
        var value = Node(key, required);
        var text = value is null ? null : reader.Scalar(value, $"{path}.{key}");
        if (text is null)
            return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            reader.Error(value, $"{path}.{key}", $"'{text}' is not a number");
            return null;
        }
        if (number < min || number > max || (exclusiveMin && number == min) || (exclusiveMax && number == max))
        {
            var low = exclusiveMin ? $"> {Show(min)}" : $">= {Show(min)}";
            var high = exclusiveMax ? $"< {Show(max)}" : $"<= {Show(max)}";
            var range = min == double.MinValue ? high : max == double.MaxValue ? low : $"{low} and {high}";
            reader.Error(value, $"{path}.{key}", $"{Show(number)} is out of range (must be {range})");
            return null;
        }
        return number;
    }

    public int? Integer(string key, bool required = true, int min = int.MinValue, int max = int.MaxValue)
    {
        var number = Number(key, required, min == int.MinValue ? double.MinValue : min, max == int.MaxValue ? double.MaxValue : max);
        if (number is null)
            return null;
        if (number != Math.Floor(number.Value))
        {
            reader.Error(Node(key, false), $"{path}.{key}", $"{Show(number.Value)} is not a whole number");
            return null;
        }
        return (int)number.Value;
    }

    public TimeSpan? Duration(string key, bool required = true, bool positive = false)
    {
        var value = Node(key, required);
        var text = value is null ? null : reader.Scalar(value, $"{path}.{key}");
        if (text is null)
            return null;
        if (!Rules.Duration.TryParse(text, out var duration))
        {
            reader.Error(value, $"{path}.{key}", $"'{text}' is not a duration (e.g. 30s, 5m, 1h30m, 7d)");
            return null;
        }
        if (positive && duration <= TimeSpan.Zero)
        {
            reader.Error(value, $"{path}.{key}", "must be longer than 0s");
            return null;
        }
        return duration;
    }

    public IReadOnlyList<string>? Strings(string key, bool required = false)
    {
        var value = Node(key, required);
        if (value is null)
            return null;
        return reader.Sequence(value, $"{path}.{key}").Select((item, i) => reader.Scalar(item, $"{path}.{key}[{i}]")).OfType<string>().ToList();
    }

    /// <summary>A mapping of strings to strings (labels, annotations, filters).</summary>
    public IReadOnlyList<(string Key, YamlNode KeyNode, string Value)>? StringMap(string key, bool required = false)
    {
        var value = Node(key, required);
        if (value is null)
            return null;
        var map = reader.Map(value, $"{path}.{key}");
        return map is null ? [] : map.All.Select(e => (e.Key, e.KeyNode, reader.Scalar(e.Value, $"{path}.{key}.{e.Key}"))).Where(e => e.Item3 is not null).Select(e => (e.Key, e.KeyNode, e.Item3!)).ToList();
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static Dictionary<string, (YamlNode, YamlNode)> Entries(YamlReader reader, YamlMappingNode node, string path)
    {
        var entries = new Dictionary<string, (YamlNode, YamlNode)>(StringComparer.Ordinal);
        foreach (var (key, value) in node.Children)
        {
            var name = reader.Scalar(key, path);
            if (name is not null && !entries.TryAdd(name, (key, value)))
                reader.Error(key, path, $"duplicate key '{name}'");
        }
        return entries;
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }
}
