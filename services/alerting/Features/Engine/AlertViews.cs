using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Features.Engine;

/// <summary>An alert as the API shows it: its lifecycle, what people did, whether it is muted and where it is routed.</summary>
public sealed record AlertView(
    TrackedAlert Alert,
    string RuleSource,
    bool Silenced,
    IReadOnlyList<string> SilencedBy,
    bool Inhibited,
    IReadOnlyList<string> Receivers)
{
    public AlertStatus Status => Alert.Status;
    public string? ProjectId => Status.Labels.GetValueOrDefault("project");
}

/// <summary>One series of a rule at its last evaluation: the value against the threshold.</summary>
public sealed record SeriesView(IReadOnlyDictionary<string, string> Labels, double Value, double? Threshold, bool Holds);

/// <summary>A rule with its last evaluation, for <c>/api/rules</c> and the console.</summary>
public sealed record RuleView(ScheduledRule Scheduled, DateTimeOffset? LastEvaluatedAt, string? LastError, IReadOnlyList<SeriesView> Series);
