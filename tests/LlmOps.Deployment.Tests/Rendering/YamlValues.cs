using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Deployment.Tests.Rendering;

/// <summary>
/// YAML as Helm sees it: maps (Dictionary&lt;string, object?&gt;), lists (List&lt;object?&gt;) and typed scalars (plain
/// true/false → bool, integers → long, decimals → double, null/~/empty → null; quoted → string).
/// </summary>
public static class YamlValues
{
    public static Dictionary<string, object?> LoadMap(string text) =>
        LoadAll(text).SingleOrDefault() as Dictionary<string, object?> ?? [];

    public static List<object?> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => Convert(d.RootNode)).Where(d => d is not null).ToList();
    }

    public static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => Convert(p.Value)),
        YamlSequenceNode list => list.Children.Select(Convert).ToList(),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static object? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return value;
        if (value is "" or "~" or "null" or "Null" or "NULL")
            return null;
        if (value is "true" or "True" or "TRUE")
            return true;
        if (value is "false" or "False" or "FALSE")
            return false;
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return integer;
        if (System.Text.RegularExpressions.Regex.IsMatch(value, @"^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$")
            && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
            return real;
        return value;
    }

    /// <summary>Helm's value merge: maps deeply, anything else replaced; a null deletes the key.</summary>
    public static Dictionary<string, object?> Merge(Dictionary<string, object?> baseValues, Dictionary<string, object?> overrides)
    {
        var merged = new Dictionary<string, object?>(baseValues);
        foreach (var (key, value) in overrides)
        {
            if (value is null)
                merged.Remove(key);
            else if (merged.TryGetValue(key, out var existing) && existing is Dictionary<string, object?> a && value is Dictionary<string, object?> b)
                merged[key] = Merge(a, b);
            else
                merged[key] = value;
        }
        return merged;
    }

    /// <summary>sigs.k8s.io/yaml-like output (what Helm's toYaml gives): keys sorted, no trailing newline.</summary>
    public static string ToYaml(object? value)
    {
        var lines = new List<string>();
        Emit(value, 0, lines);
        return string.Join("\n", lines);
    }

    private static void Emit(object? value, int indent, List<string> lines)
    {
        var pad = new string(' ', indent);
        switch (value)
        {
            case Dictionary<string, object?> { Count: 0 }:
                lines.Add(pad + "{}");
                break;
            case Dictionary<string, object?> map:
                foreach (var key in map.Keys.Order(StringComparer.Ordinal))
                {
                    var item = map[key];
                    if (IsNested(item))
                    {
                        lines.Add($"{pad}{ScalarText(key)}:");
                        Emit(item, item is List<object?> ? indent : indent + 2, lines);
                    }
                    else
                        lines.Add($"{pad}{ScalarText(key)}: {Inline(item)}");
                }
                break;
            case List<object?> { Count: 0 }:
                lines.Add(pad + "[]");
                break;
            case List<object?> list:
                foreach (var item in list)
                {
                    if (IsNested(item))
                    {
                        var nested = new List<string>();
                        Emit(item, 0, nested);
                        lines.Add($"{pad}- {nested[0]}");
                        lines.AddRange(nested.Skip(1).Select(l => pad + "  " + l));
                    }
                    else
                        lines.Add($"{pad}- {Inline(item)}");
                }
                break;
            default:
                lines.Add(pad + Inline(value));
                break;
        }
    }

    private static bool IsNested(object? value) =>
        value is Dictionary<string, object?> { Count: > 0 } or List<object?> { Count: > 0 };

    private static string Inline(object? value) => value switch
    {
        null => "null",
        Dictionary<string, object?> => "{}",
        List<object?> => "[]",
        string s => ScalarText(s),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string ScalarText(string text)
    {
        var plain = System.Text.RegularExpressions.Regex.IsMatch(text, @"^[A-Za-z0-9_/][A-Za-z0-9_./\-]*$")
                    && Scalar(new YamlScalarNode(text)) is string;
        return plain ? text : System.Text.Json.JsonSerializer.Serialize(text);
    }
}
