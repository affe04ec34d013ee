namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// The finest series an event belongs to: every rule label at once (project, feature, model, prompt, score, queue,
/// event; "" when the event has none). Stored at this grain so any rule's filters and <c>by</c> labels can be answered at
/// query time. Instances are interned by <see cref="MetricStore"/>, so queries memoise per instance.
/// </summary>
public sealed class SeriesKey : IEquatable<SeriesKey>
{
    /// <summary>The label names, in the order of <see cref="Values"/>.</summary>
    public static readonly IReadOnlyList<string> Names = ["project", "feature", "model", "prompt", "score", "queue", "event"];

    private readonly int _hash;

    public SeriesKey(string? project = null, string? feature = null, string? model = null, string? prompt = null,
        string? score = null, string? queue = null, string? @event = null)
        : this([project ?? "", feature ?? "", model ?? "", prompt ?? "", score ?? "", queue ?? "", @event ?? ""])
    {
    }

    private SeriesKey(string[] values)
    {
        Values = values;
        var hash = new HashCode();
        foreach (var value in values)
            hash.Add(value, StringComparer.Ordinal);
        _hash = hash.ToHashCode();
    }

    public IReadOnlyList<string> Values { get; }

    public static SeriesKey FromValues(IReadOnlyList<string?> values)
    {
        if (values.Count != Names.Count)
            throw new ArgumentException($"A series has {Names.Count} label values, not {values.Count}.", nameof(values));
        return new SeriesKey(values.Select(v => v ?? "").ToArray());
    }

    /// <summary>The position of a label name in <see cref="Values"/>, or -1.</summary>
    public static int IndexOf(string name)
    {
        for (var i = 0; i < Names.Count; i++)
            if (Names[i] == name)
                return i;
        return -1;
    }

    /// <summary><c>name:version</c>, or the name alone when there is no version.</summary>
    public static string? Prompt(string? name, int? version) =>
        string.IsNullOrEmpty(name) ? null : version is { } v ? $"{name}:{v}" : name;

    public bool Equals(SeriesKey? other)
    {
        if (ReferenceEquals(this, other))
            return true;
        if (other is null || other._hash != _hash)
            return false;
        for (var i = 0; i < Values.Count; i++)
            if (!string.Equals(Values[i], other.Values[i], StringComparison.Ordinal))
                return false;
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as SeriesKey);

    public override int GetHashCode() => _hash;

    public override string ToString() => string.Join(",", Names.Zip(Values).Where(p => p.Second.Length > 0).Select(p => $"{p.First}={p.Second}"));
}
