using System.Text;
using System.Text.Json.Nodes;

namespace LlmOps.Alerting.Features.Receivers;

/// <summary>A Slack incoming webhook: <c>{"text": ...}</c> a person can act on from a phone; 200 is ok, 429 carries Retry-After.</summary>
public sealed class SlackSender(string name, SlackConfig config, HttpClient http, DeliveryPolicy policy,
    Func<string, string?>? environment = null) : IReceiverSender
{
    /// <summary>Alerts listed one by one; the rest are counted.</summary>
    public const int MaxListed = 10;

    public string Name => name;

    public async Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        if (Wire.Secret(environment ?? Environment.GetEnvironmentVariable, config.WebhookUrlEnv) is not { } webhook
            || !Uri.TryCreate(webhook, UriKind.Absolute, out var url))
            return DeliveryResult.NotSent($"the webhook URL's environment variable {config.WebhookUrlEnv} is not set to a URL") with { Receiver = name };
        var body = Message(notification).ToJsonString();
        var result = await policy.SendAsync(http, () => new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        }, cancellationToken);
        return result with { Receiver = name };
    }

    public JsonObject Message(Notification notification)
    {
        var message = new JsonObject { ["text"] = Text(notification) };
        if (config.Channel is not null)
            message["channel"] = config.Channel;
        if (config.Username is not null)
            message["username"] = config.Username;
        return message;
    }

    /// <summary>
    /// <c>[FIRING:2] cost-spike (project=acme, severity=page)</c>, then a line per alert (summary, runbook link), then the
    /// console link. Slack's control characters (&amp;, &lt;, &gt;) in alert text are escaped so they cannot forge links.
    /// </summary>
    public static string Text(Notification notification)
    {
        var firing = notification.Status == Notification.Firing;
        var shown = firing ? notification.FiringAlerts.ToList() : notification.Alerts.ToList();
        var text = new StringBuilder();
        text.Append(firing ? $":rotating_light: *[FIRING:{shown.Count}]* " : $":white_check_mark: *[RESOLVED:{shown.Count}]* ")
            .Append(Escape(notification.AlertName));
        var labels = notification.GroupLabels.Where(l => l.Key != "alertname").Select(l => $"{l.Key}={l.Value}").ToList();
        if (notification.CommonLabels.GetValueOrDefault("severity") is { } severity && !notification.GroupLabels.ContainsKey("severity"))
            labels.Add($"severity={severity}");
        if (labels.Count > 0)
            text.Append(" (").Append(Escape(string.Join(", ", labels))).Append(')');
        foreach (var alert in shown.Take(MaxListed))
        {
            text.Append("\n• ").Append(Escape(alert.Summary ?? alert.Fingerprint));
            if (alert.RunbookUrl is { } runbook)
                text.Append(" <").Append(runbook).Append("|runbook>");
        }
        if (shown.Count > MaxListed)
            text.Append($"\n…and {shown.Count - MaxListed} more");
        if (notification.ExternalUrl is { } console)
            text.Append("\n<").Append(console).Append("|Open in the console>");
        return text.ToString();
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
