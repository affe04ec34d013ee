using System.Security.Cryptography;
using System.Text;

namespace LlmOps.Alerting.Features.Receivers;

/// <summary>One alert inside a notification, as the receivers show it.</summary>
public sealed record NotificationAlert
{
    /// <summary>Hash of the alert's sorted labels: its identity across restarts.</summary>
    public required string Fingerprint { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Free text for people; <c>summary</c> and <c>runbook_url</c> are the ones receivers show.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    public required DateTimeOffset StartsAt { get; init; }

    /// <summary>When it stopped holding; null while it fires.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>The value that breached, when the rule has one.</summary>
    public double? Value { get; init; }

    /// <summary>Where to look at it (the console's page for the rule or project).</summary>
    public string? GeneratorUrl { get; init; }

    public string Status => EndsAt is null ? Notification.Firing : Notification.Resolved;
    public string? Summary => Annotations.GetValueOrDefault("summary");
    public string? RunbookUrl => Annotations.GetValueOrDefault("runbook_url");
}

/// <summary>
/// What a receiver delivers for one alert group at one moment: firing (at least one alert still fires) or resolved
/// (all of them stopped). The rule engine builds it (<see cref="Create"/>); every sender renders it in its own format.
/// </summary>
public sealed record Notification
{
    public const string Firing = "firing";
    public const string Resolved = "resolved";

    /// <summary>PagerDuty's limit on a dedup key.</summary>
    public const int MaxDedupKeyLength = 255;

    /// <summary><see cref="Firing"/> or <see cref="Resolved"/>.</summary>
    public required string Status { get; init; }

    /// <summary>The group's identity in the notification log, e.g. <c>{alertname="cost-spike",project="acme"}</c>.</summary>
    public required string GroupKey { get; init; }

    /// <summary>Stable per group, so a resolve closes the incident its trigger opened (≤ 255 characters).</summary>
    public required string DedupKey { get; init; }

    public IReadOnlyDictionary<string, string> GroupLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>Labels every alert of the group shares (severity, team, project, ...).</summary>
    public IReadOnlyDictionary<string, string> CommonLabels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> CommonAnnotations { get; init; } = new Dictionary<string, string>();

    public required IReadOnlyList<NotificationAlert> Alerts { get; init; }

    /// <summary>The console link for the group (shown as the incident's client URL and in Slack).</summary>
    public string? ExternalUrl { get; init; }

    public string AlertName => GroupLabels.GetValueOrDefault("alertname") ?? CommonLabels.GetValueOrDefault("alertname") ?? "alert";
    public IEnumerable<NotificationAlert> FiringAlerts => Alerts.Where(a => a.EndsAt is null);

    /// <summary>A notification for a group: keys from the group labels, common labels and annotations from the alerts.</summary>
    public static Notification Create(string alertName, IReadOnlyDictionary<string, string> groupLabels, IReadOnlyList<NotificationAlert> alerts,
        string? externalUrl = null)
    {
        var group = new SortedDictionary<string, string>(groupLabels.ToDictionary(), StringComparer.Ordinal) { ["alertname"] = alertName };
        return new Notification
        {
            Status = alerts.Any(a => a.EndsAt is null) ? Firing : Resolved,
            GroupKey = GroupKeyFor(group),
            DedupKey = DedupKeyFor(alertName, group),
            GroupLabels = group,
            CommonLabels = Common(alerts.Select(a => a.Labels)),
            CommonAnnotations = Common(alerts.Select(a => a.Annotations)),
            Alerts = alerts,
            ExternalUrl = externalUrl,
        };
    }

    /// <summary><c>{k="v",...}</c> over the sorted labels, as Alertmanager writes a group key.</summary>
    public static string GroupKeyFor(IReadOnlyDictionary<string, string> groupLabels) =>
        "{" + string.Join(",", groupLabels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    /// <summary>
    /// <c>llmops/{alertname}/{k=v,...}</c> over the sorted group labels other than alertname. Longer than 255 characters,
    /// the tail is replaced by a hash of the whole key: still stable, still distinct, still readable at the front.
    /// </summary>
    public static string DedupKeyFor(string alertName, IReadOnlyDictionary<string, string> groupLabels)
    {
        var labels = string.Join(",", groupLabels.Where(l => l.Key != "alertname").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
        var key = $"llmops/{alertName}/{labels}";
        if (key.Length <= MaxDedupKeyLength)
            return key;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        return key[..(MaxDedupKeyLength - hash.Length - 1)] + "#" + hash;
    }

    private static Dictionary<string, string> Common(IEnumerable<IReadOnlyDictionary<string, string>> sets)
    {
        Dictionary<string, string>? common = null;
        foreach (var set in sets)
        {
            if (common is null)
                common = set.ToDictionary();
            else
                foreach (var key in common.Keys.ToList())
                    if (!set.TryGetValue(key, out var value) || value != common[key])
                        common.Remove(key);
        }
        return common ?? [];
    }
}
