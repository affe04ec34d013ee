using System.Security.Cryptography;
using System.Text;

namespace LlmOps.Alerting.Features.Rules;

/// <summary>An alert's label set and the identity derived from it.</summary>
public static class AlertLabels
{
    /// <summary>The label holding the rule's name on every alert (as Prometheus has it).</summary>
    public const string AlertName = "alertname";

    /// <summary>
    /// The fingerprint: the first 16 hex digits (64 bits, lower case) of SHA-256 over the labels sorted by name
    /// (ordinal), each written as UTF-8 <c>name 0xFF value 0xFF</c>. Labels only, so the same alert has the same
    /// fingerprint across restarts, replicas and annotation or value changes; 0xFF never occurs in UTF-8, so
    /// <c>{a="b\xffc"}</c>-style collisions between different label sets cannot be constructed.
    /// </summary>
    public static string Fingerprint(IReadOnlyDictionary<string, string> labels)
    {
        var buffer = new List<byte>(256);
        foreach (var (name, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            buffer.AddRange(Encoding.UTF8.GetBytes(name));
            buffer.Add(0xFF);
            buffer.AddRange(Encoding.UTF8.GetBytes(value));
            buffer.Add(0xFF);
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()), 0, 8);
    }

    /// <summary>
    /// An alert's labels: the series' labels (the rule's <c>by</c> labels), then the rule's static labels (which win, as in
    /// Prometheus), then <c>alertname</c> = the rule's name.
    /// </summary>
    public static IReadOnlyDictionary<string, string> For(AlertRule rule, IReadOnlyDictionary<string, string> seriesLabels)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in seriesLabels)
            labels[name] = value;
        foreach (var (name, value) in rule.Labels)
            labels[name] = value;
        labels[AlertName] = rule.Name;
        return labels;
    }

    /// <summary><c>{a="1", b="2"}</c>, sorted: for logs and group keys.</summary>
    public static string Format(IEnumerable<KeyValuePair<string, string>> labels) =>
        "{" + string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"")) + "}";

    /// <summary>The inverse of <see cref="Format"/>: <c>{a="1", b="x\"y"}</c> back to its labels.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string formatted)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var text = formatted.Trim();
        if (text.Length < 2 || text[0] != '{' || text[^1] != '}')
            throw new FormatException($"'{formatted}' is not a label set.");
        var i = 1;
        while (i < text.Length - 1)
        {
            while (text[i] is ' ' or ',')
                i++;
            var eq = text.IndexOf('=', i);
            if (eq < 0 || eq + 1 >= text.Length || text[eq + 1] != '"')
                throw new FormatException($"'{formatted}' is not a label set.");
            var name = text[i..eq];
            var value = new System.Text.StringBuilder();
            i = eq + 2;
            for (; i < text.Length - 1 && text[i] != '"'; i++)
                value.Append(text[i] == '\\' ? text[++i] : text[i]);
            labels[name] = value.ToString();
            i++;
        }
        return labels;
    }
}
