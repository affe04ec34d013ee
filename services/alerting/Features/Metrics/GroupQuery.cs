using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// A rule's filters and <c>by</c> labels over stored series: which group (one per distinct combination of the by values)
/// a series falls in, or none when a filter does not match. Resolved once per series instance and remembered, so an
/// hour's sixty minutes of the same series cost one resolution and fifty-nine lookups.
/// </summary>
internal sealed class GroupQuery
{
    private const char Separator = '\u001f';

    private readonly (int Index, string Value)[] _filters;
    private readonly int[] _by;
    private readonly IReadOnlyList<string> _byNames;
    private readonly Dictionary<SeriesKey, string?> _resolved = new(ReferenceEqualityComparer.Instance);

    public GroupQuery(MetricQuery metric)
    {
        var filters = metric.Filters.Select(f => (Index: SeriesKey.IndexOf(f.Key), f.Value)).ToList();
        // The score is part of the metric for score_rate: a filter like any other.
        if (metric.Kind == MetricKind.ScoreRate && metric.Score is { } score)
            filters.Add((SeriesKey.IndexOf("score"), score));
        if (filters.Any(f => f.Index < 0))
            throw new ArgumentException($"Unknown filter label in {string.Join(", ", metric.Filters.Keys)}; known: {string.Join(", ", SeriesKey.Names)}.");
        _filters = [.. filters];
        _byNames = metric.By;
        _by = metric.By.Select(name => SeriesKey.IndexOf(name) is var i and >= 0 ? i
            : throw new ArgumentException($"Unknown by label '{name}'; known: {string.Join(", ", SeriesKey.Names)}.")).ToArray();
    }

    /// <summary>The group's key (its by values joined), or null when the series is filtered out.</summary>
    public string? GroupOf(SeriesKey key)
    {
        if (_resolved.TryGetValue(key, out var group))
            return group;
        group = Matches(key) ? string.Join(Separator, _by.Select(i => key.Values[i])) : null;
        _resolved[key] = group;
        return group;
    }

    private bool Matches(SeriesKey key)
    {
        foreach (var (index, value) in _filters)
            if (!string.Equals(key.Values[index], value, StringComparison.Ordinal))
                return false;
        return true;
    }

    /// <summary>Exactly the by labels, with the group's values ("" where the series had none).</summary>
    public IReadOnlyDictionary<string, string> Labels(string group)
    {
        var values = _by.Length == 0 ? [] : group.Split(Separator);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < _byNames.Count; i++)
            labels[_byNames[i]] = values[i];
        return labels;
    }
}
