using LlmOps.Alerting.Features.Rules;
using ReceiverNotification = LlmOps.Alerting.Features.Receivers.Notification;
using ReceiverAlert = LlmOps.Alerting.Features.Receivers.NotificationAlert;

namespace LlmOps.Alerting.Features.Engine;

/// <summary>
/// Turns the scheduler's decision (which group, which alerts firing and resolved) into what the receivers render. The
/// incident key comes from the group's labels only, so a trigger and its resolve share it whatever alerts join or leave.
/// </summary>
public static class NotificationMapper
{
    /// <summary>The incident name when the route does not group by <c>alertname</c> (alerts of several rules share a group).</summary>
    public const string MixedGroupName = "group";

    public static ReceiverNotification Map(Notification decision, string? externalUrl)
    {
        var alerts = decision.Firing.Select(a => ToAlert(a, ended: null, externalUrl))
            .Concat(decision.Resolved.Select(a => ToAlert(a, ended: a.ResolvedAt ?? a.KeepFiringSince ?? a.ActiveAt, externalUrl)))
            .ToList();
        var alertName = decision.GroupLabels.GetValueOrDefault(AlertLabels.AlertName) is { Length: > 0 } name ? name : MixedGroupName;
        var groupLabels = decision.GroupLabels.Where(l => l.Key != AlertLabels.AlertName).ToDictionary(StringComparer.Ordinal);
        var notification = ReceiverNotification.Create(alertName, groupLabels, alerts, externalUrl);
        // Every alert of the group may have vanished (forgotten while alerting was down): still a resolve for the incident.
        return decision.Reason == NotificationReason.GroupResolved ? notification with { Status = ReceiverNotification.Resolved } : notification;
    }

    private static ReceiverAlert ToAlert(AlertStatus alert, DateTimeOffset? ended, string? externalUrl) => new()
    {
        Fingerprint = alert.Fingerprint,
        Labels = alert.Labels,
        Annotations = alert.Annotations,
        StartsAt = alert.ActiveAt,
        EndsAt = ended,
        Value = double.IsFinite(alert.Value) ? alert.Value : null,
        GeneratorUrl = externalUrl is null ? null : $"{externalUrl.TrimEnd('/')}/alerts?rule={Uri.EscapeDataString(alert.RuleName)}",
    };
}
