using System.Text.RegularExpressions;

namespace LlmOps.Alerting.Features.Rules;

public enum MatchOperator { Equal, NotEqual, Regex, NotRegex }

/// <summary>
/// One Alertmanager label matcher: <c>name=value</c>, <c>name!=value</c>, <c>name=~regex</c>, <c>name!~regex</c>.
/// A label the alert lacks matches as the empty string; regular expressions are anchored at both ends.
/// </summary>
public sealed record Matcher
{
    private readonly Regex? _regex;

    public const int MaxValueLength = 1_000;

    public Matcher(string name, MatchOperator op, string value)
    {
        if (value.Length > MaxValueLength)
            throw new FormatException($"A matcher's value is at most {MaxValueLength} characters.");
        Name = name;
        Operator = op;
        Value = value;
        if (op is MatchOperator.Regex or MatchOperator.NotRegex)
        {
            try
            {
                // Linear time whatever the pattern (silences come from project keys and match label values they control):
                // no catastrophic backtracking, no timeouts in the engine's loop.
                _regex = new Regex($"^(?:{value})$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                throw new FormatException($"'{value}' is not a regular expression this matcher accepts (no backreferences or lookarounds): {e.Message}", e);
            }
        }
    }

    public string Name { get; }
    public MatchOperator Operator { get; }
    public string Value { get; }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var actual = labels.TryGetValue(Name, out var value) ? value : "";
        return Operator switch
        {
            MatchOperator.Equal => actual == Value,
            MatchOperator.NotEqual => actual != Value,
            MatchOperator.Regex => _regex!.IsMatch(actual),
            _ => !_regex!.IsMatch(actual),
        };
    }

    /// <summary>Parses <c>severity="critical"</c>, <c>project=~"acme|beta"</c> (quotes optional).</summary>
    public static Matcher Parse(string text)
    {
        var match = Regex.Match(text, @"^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:""((?:[^""\\]|\\.)*)""|(.*?))\s*$");
        if (!match.Success)
            throw new FormatException($"'{text}' is not a matcher (name=value, name!=value, name=~regex, name!~regex).");
        var op = match.Groups[2].Value switch
        {
            "=" => MatchOperator.Equal,
            "!=" => MatchOperator.NotEqual,
            "=~" => MatchOperator.Regex,
            _ => MatchOperator.NotRegex,
        };
        var value = match.Groups[3].Success ? Regex.Unescape(match.Groups[3].Value) : match.Groups[4].Value;
        return new Matcher(match.Groups[1].Value, op, value);
    }

    public static bool All(IEnumerable<Matcher> matchers, IReadOnlyDictionary<string, string> labels) => matchers.All(m => m.Matches(labels));

    public override string ToString() => Name + Operator switch
    {
        MatchOperator.Equal => "=",
        MatchOperator.NotEqual => "!=",
        MatchOperator.Regex => "=~",
        _ => "!~",
    } + "\"" + Value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}

/// <summary>
/// Mutes notifications for alerts matching every matcher while active: StartsAt ≤ t &lt; EndsAt. The alerts still fire
/// and resolve; they are only not sent.
/// </summary>
public sealed record Silence(string Id, IReadOnlyList<Matcher> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string CreatedBy, string Comment)
{
    public bool IsActive(DateTimeOffset at) => StartsAt <= at && at < EndsAt;

    /// <summary>Active and matching. A silence with no matchers matches nothing (a mute-everything silence is a typo).</summary>
    public bool Mutes(IReadOnlyDictionary<string, string> labels, DateTimeOffset at) =>
        Matchers.Count > 0 && IsActive(at) && Matcher.All(Matchers, labels);

    public static bool AnyMutes(IEnumerable<Silence> silences, IReadOnlyDictionary<string, string> labels, DateTimeOffset at) =>
        silences.Any(s => s.Mutes(labels, at));
}

/// <summary>
/// Alertmanager inhibition: while a firing alert matches <see cref="SourceMatchers"/>, alerts matching
/// <see cref="TargetMatchers"/> that have the same values for every <see cref="Equal"/> label (absent on both counts as
/// equal) are muted. E.g. <c>evaluator_stalled</c> mutes the quality alerts of every project, <c>severity=critical</c>
/// mutes <c>severity=warning</c> of the same project. An alert never inhibits itself, and an alert matching both sides
/// is not muted by another alert that does too (so a rule cannot silence its own series).
/// </summary>
public sealed record InhibitRule(IReadOnlyList<Matcher> SourceMatchers, IReadOnlyList<Matcher> TargetMatchers, IReadOnlyList<string> Equal)
{
    public bool Inhibits(IReadOnlyDictionary<string, string> target, IEnumerable<IReadOnlyDictionary<string, string>> firingAlerts)
    {
        if (!Matcher.All(TargetMatchers, target))
            return false;
        var targetIsSource = Matcher.All(SourceMatchers, target);
        var targetFingerprint = AlertLabels.Fingerprint(target);
        return firingAlerts.Any(source =>
            Matcher.All(SourceMatchers, source)
            && !(targetIsSource && Matcher.All(TargetMatchers, source))
            && AlertLabels.Fingerprint(source) != targetFingerprint
            && Equal.All(name => Value(source, name) == Value(target, name)));
    }

    public static bool AnyInhibits(IEnumerable<InhibitRule> rules, IReadOnlyDictionary<string, string> target, IReadOnlyCollection<IReadOnlyDictionary<string, string>> firingAlerts) =>
        rules.Any(r => r.Inhibits(target, firingAlerts));

    private static string Value(IReadOnlyDictionary<string, string> labels, string name) => labels.TryGetValue(name, out var value) ? value : "";
}
