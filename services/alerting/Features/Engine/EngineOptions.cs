using System.ComponentModel.DataAnnotations;

namespace LlmOps.Alerting.Features.Engine;

/// <summary>The rule engine's settings (<c>Alerting:Engine</c>).</summary>
public sealed class EngineOptions
{
    public const string Section = "Alerting:Engine";

    /// <summary>The rules file: the shipped defaults unless an operator mounts their own (relative paths from the app's folder).</summary>
    public string RulesFile { get; set; } = "Rules/default-rules.yaml";

    /// <summary>False: nothing ticks the engine (tests and tools drive <see cref="AlertEngine"/> themselves).</summary>
    public bool AutoStart { get; set; } = true;

    /// <summary>How often the engine wakes: rules are evaluated at their group's interval, notifications checked every tick.</summary>
    [Range(50, 60_000)]
    public int TickMs { get; set; } = 1_000;

    /// <summary>The console's address, for links in pages (the incident's client URL, Slack's link).</summary>
    public string? ExternalUrl { get; set; }

    /// <summary>
    /// After a delivery's retries were spent (5xx, 429, network errors), wait this long before trying the group again. One
    /// the receiver refused (another 4xx) is not tried again until the group changes.
    /// </summary>
    [Range(1, 86_400)]
    public int FailedDeliveryBackoffSeconds { get; set; } = 60;

    /// <summary>How long resolved alerts' history and delivery records are kept.</summary>
    [Range(1, 3_650)]
    public int HistoryRetentionDays { get; set; } = 30;

    /// <summary>Smallest evaluation interval a rule created through the API may ask for.</summary>
    [Range(1, 3_600)]
    public int MinimumApiRuleIntervalSeconds { get; set; } = 10;

    public string RulesFilePath => Path.IsPathRooted(RulesFile) ? RulesFile : Path.Combine(AppContext.BaseDirectory, RulesFile);
}
