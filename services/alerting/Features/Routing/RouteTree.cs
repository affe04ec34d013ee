using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Features.Routing;

/// <summary>A compiled route: its path in the tree (<c>0</c>, <c>0.1</c>, ...), what it matches and how it groups.</summary>
public sealed record RouteNode(string Id, IReadOnlyList<Matcher> Matchers, bool Continue, GroupingPolicy? Policy, IReadOnlyList<RouteNode> Children)
{
    /// <summary>The receiver this route notifies; null when no receiver is configured on it or above it.</summary>
    public string? Receiver => Policy?.Receiver;
}

/// <summary>
/// Alertmanager's routing tree. An alert enters at the root and descends into the first child whose matchers it
/// satisfies (and into later siblings too when that child says <c>continue</c>), recursively; the deepest routes it
/// reached notify, or the node itself when none of its children matched. Built once from <see cref="RoutingOptions"/>,
/// with every mistake reported at start.
/// </summary>
public sealed class RouteTree
{
    private static readonly GroupingPolicy Defaults = new() { Receiver = "" };

    private RouteTree(RouteNode root) => Root = root;

    public RouteNode Root { get; }

    /// <summary>Every route with a receiver, depth first (each gets its own group scheduler).</summary>
    public IEnumerable<RouteNode> Routes => Walk(Root).Where(r => r.Receiver is not null);

    /// <summary>The routes that notify about an alert with these labels (empty when the routes that matched have no receiver).</summary>
    public IReadOnlyList<RouteNode> Match(IReadOnlyDictionary<string, string> labels)
    {
        var matched = new List<RouteNode>();
        Match(Root, labels, matched);
        return matched.Where(r => r.Receiver is not null).ToList();
    }

    private static void Match(RouteNode node, IReadOnlyDictionary<string, string> labels, List<RouteNode> matched)
    {
        var before = matched.Count;
        var any = false;
        foreach (var child in node.Children)
        {
            if (!Matcher.All(child.Matchers, labels))
                continue;
            any = true;
            Match(child, labels, matched);
            if (!child.Continue)
                break;
        }
        if (!any && matched.Count == before)
            matched.Add(node);
    }

    /// <summary>Compiles the tree; throws <see cref="ArgumentException"/> listing every problem.</summary>
    public static RouteTree Build(RouteOptions root, IEnumerable<string> receivers)
    {
        var known = new HashSet<string>(receivers, StringComparer.OrdinalIgnoreCase);
        var errors = new List<string>();
        if (root.Matchers.Count > 0)
            errors.Add("Alerting:Route: the root route matches every alert; it takes no Matchers.");
        var node = Compile(root, "0", "Alerting:Route", Defaults, known, errors);
        if (errors.Count > 0)
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        return new RouteTree(node);
    }

    /// <summary>The problems <see cref="Build"/> would throw for, for start-up validation.</summary>
    public static IReadOnlyList<string> Validate(RoutingOptions options, IEnumerable<string> receivers)
    {
        var errors = new List<string>();
        try
        {
            Build(options.Route, receivers);
        }
        catch (ArgumentException e)
        {
            errors.AddRange(e.Message.Split(Environment.NewLine));
        }
        for (var i = 0; i < options.InhibitRules.Count; i++)
        {
            var rule = options.InhibitRules[i];
            if (rule.SourceMatchers.Count == 0 || rule.TargetMatchers.Count == 0)
                errors.Add($"Alerting:InhibitRules:{i}: needs SourceMatchers and TargetMatchers (an empty side would match every alert).");
            foreach (var text in rule.SourceMatchers.Concat(rule.TargetMatchers))
                if (TryMatcher(text, out var error) is null)
                    errors.Add($"Alerting:InhibitRules:{i}: {error}");
        }
        return errors;
    }

    private static RouteNode Compile(RouteOptions options, string id, string path, GroupingPolicy parent, HashSet<string> receivers, List<string> errors)
    {
        var matchers = new List<Matcher>();
        foreach (var text in options.Matchers)
            if (TryMatcher(text, out var error) is { } matcher)
                matchers.Add(matcher);
            else
                errors.Add($"{path}:Matchers: {error}");

        var receiver = string.IsNullOrWhiteSpace(options.Receiver) ? parent.Receiver : options.Receiver.Trim();
        if (!string.IsNullOrEmpty(options.Receiver) && !receivers.Contains(receiver))
            errors.Add($"{path}:Receiver: '{receiver}' is not configured under Alerting:Receivers (known: {(receivers.Count == 0 ? "none" : string.Join(", ", receivers.Order()))}).");
        var policy = parent with
        {
            Receiver = receiver,
            RouteId = id,
            GroupBy = options.GroupBy is { } groupBy ? groupBy.Select(l => l.Trim()).ToList() : parent.GroupBy,
            GroupWait = Duration(options.GroupWait, parent.GroupWait, $"{path}:GroupWait", errors, allowZero: true),
            GroupInterval = Duration(options.GroupInterval, parent.GroupInterval, $"{path}:GroupInterval", errors, allowZero: false),
            RepeatInterval = Duration(options.RepeatInterval, parent.RepeatInterval, $"{path}:RepeatInterval", errors, allowZero: false),
        };
        if (policy.GroupBy.Contains(GroupingPolicy.AllLabels) && policy.GroupBy.Count > 1)
            errors.Add($"{path}:GroupBy: '...' groups by every label and stands alone.");
        foreach (var label in policy.GroupBy.Where(l => l != GroupingPolicy.AllLabels && !RuleFileParser.IsIdentifier(l)))
            errors.Add($"{path}:GroupBy: '{label}' is not a label name.");

        var children = options.Routes.Select((child, i) => Compile(child, $"{id}.{i}", $"{path}:Routes:{i}", policy, receivers, errors)).ToList();
        return new RouteNode(id, matchers, options.Continue, string.IsNullOrEmpty(receiver) ? null : policy, children);
    }

    private static TimeSpan Duration(string? text, TimeSpan inherited, string path, List<string> errors, bool allowZero)
    {
        if (string.IsNullOrWhiteSpace(text))
            return inherited;
        if (!Rules.Duration.TryParse(text.Trim(), out var value) || (!allowZero && value == TimeSpan.Zero))
        {
            errors.Add($"{path}: '{text}' is not a duration{(allowZero ? "" : " above zero")} (30s, 5m, 4h).");
            return inherited;
        }
        return value;
    }

    private static Matcher? TryMatcher(string text, out string? error)
    {
        try
        {
            error = null;
            return Matcher.Parse(text);
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static IEnumerable<RouteNode> Walk(RouteNode node) => new[] { node }.Concat(node.Children.SelectMany(Walk));
}
