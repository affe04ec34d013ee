using System.Text;
using System.Text.Json.Nodes;

namespace LlmOps.Alerting.Features.Receivers;

/// <summary>
/// PagerDuty Events API v2: a firing group triggers (or updates) the incident under the group's dedup key, a resolved
/// group resolves it with the same key. 202 is accepted; 400 is final; 429, 5xx and network errors are retried.
/// </summary>
public sealed class PagerDutySender(string name, PagerDutyConfig config, HttpClient http, DeliveryPolicy policy,
    Func<string, string?>? environment = null) : IReceiverSender
{
    public const int MaxSummaryLength = 1024;

    private static readonly Dictionary<string, string> DefaultSeverities = new(StringComparer.OrdinalIgnoreCase)
    {
        ["page"] = "critical",
        ["critical"] = "critical",
        ["error"] = "error",
        ["warning"] = "warning",
    };

    public string Name => name;

    public async Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        if (Wire.Secret(environment ?? Environment.GetEnvironmentVariable, config.RoutingKeyEnv) is not { } routingKey)
            return DeliveryResult.NotSent($"the routing key's environment variable {config.RoutingKeyEnv} is not set") with { Receiver = name };
        var body = Event(notification, routingKey).ToJsonString();
        var url = new Uri(config.BaseUrl.TrimEnd('/') + "/v2/enqueue");
        var result = await policy.SendAsync(http, () => new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        }, cancellationToken);
        return result with { Receiver = name };
    }

    /// <summary>The event exactly as PagerDuty reads it; a resolve carries only the key, the action and the dedup key.</summary>
    public JsonObject Event(Notification notification, string routingKey)
    {
        if (notification.Status == Notification.Resolved)
            return new JsonObject { ["routing_key"] = routingKey, ["event_action"] = "resolve", ["dedup_key"] = notification.DedupKey };

        var firing = notification.FiringAlerts.ToList();
        var labels = notification.CommonLabels;
        var details = new JsonObject();
        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
            details[key] = value;
        details["firing"] = firing.Count;
        if (firing.Count == 1 && firing[0].Value is { } value1)
            details["value"] = value1;
        if (firing.Select(a => a.RunbookUrl).FirstOrDefault(u => u is not null) is { } runbook)
            details["runbook_url"] = runbook;
        if (firing.Count > 1)
            details["alerts"] = new JsonArray(firing.Select(a => (JsonNode)new JsonObject
            {
                ["fingerprint"] = a.Fingerprint,
                ["summary"] = a.Summary,
                ["value"] = a.Value,
            }).ToArray());

        var payload = new JsonObject
        {
            ["summary"] = Summary(notification),
            ["source"] = config.Source,
            ["severity"] = Severity(notification),
            ["timestamp"] = Wire.Time(firing.Count > 0 ? firing.Min(a => a.StartsAt) : notification.Alerts.Min(a => a.StartsAt)),
        };
        if ((labels.GetValueOrDefault("component") ?? labels.GetValueOrDefault("service")) is { } component)
            payload["component"] = component;
        payload["group"] = labels.GetValueOrDefault("team") ?? "llmops";
        payload["class"] = notification.AlertName.Replace('-', '_');
        payload["custom_details"] = details;

        var trigger = new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = "trigger",
            ["dedup_key"] = notification.DedupKey,
            ["payload"] = payload,
            ["client"] = config.Client,
        };
        if ((config.ClientUrl ?? notification.ExternalUrl) is { } clientUrl)
            trigger["client_url"] = clientUrl;
        return trigger;
    }

    /// <summary>The most severe of the firing alerts' <c>severity</c> labels, mapped; anything unknown is info.</summary>
    public string Severity(Notification notification)
    {
        var mapped = notification.FiringAlerts.DefaultIfEmpty(notification.Alerts.FirstOrDefault()).Where(a => a is not null)
            .Select(a => a!.Labels.GetValueOrDefault("severity") ?? notification.CommonLabels.GetValueOrDefault("severity"))
            .Select(Map).ToList();
        return PagerDutyConfig.Severities.FirstOrDefault(mapped.Contains) ?? "info";

        string Map(string? severity) => severity is null ? "info"
            : config.SeverityMap.TryGetValue(severity, out var custom) ? custom
            : DefaultSeverities.GetValueOrDefault(severity) ?? "info";
    }

    /// <summary>The one alert's summary, or <c>[3] alertname: first; second; ...</c>, cut to PagerDuty's 1024 characters.</summary>
    public static string Summary(Notification notification)
    {
        var firing = notification.FiringAlerts.ToList();
        var text = firing.Count == 1
            ? firing[0].Summary ?? notification.AlertName
            : $"[{firing.Count}] {notification.AlertName}: " + string.Join("; ", firing.Select(a => a.Summary ?? a.Fingerprint).Distinct());
        return text.Length <= MaxSummaryLength ? text : text[..(MaxSummaryLength - 1)] + "…";
    }
}
