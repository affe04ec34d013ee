using System.Text.RegularExpressions;

namespace LlmOps.Alerting.Features.Receivers;

/// <summary>
/// A named receiver (<c>Alerting:Receivers:{name}</c>): exactly one of PagerDuty, Slack or a webhook. Secrets are never
/// written here: each config names the environment variable that holds one, read when a notification is sent.
/// </summary>
public sealed record ReceiverConfig
{
    public PagerDutyConfig? PagerDuty { get; init; }
    public SlackConfig? Slack { get; init; }
    public WebhookConfig? Webhook { get; init; }

    public IEnumerable<string> Validate(string name)
    {
        var kinds = new object?[] { PagerDuty, Slack, Webhook }.Count(k => k is not null);
        if (kinds != 1)
            yield return $"Receiver '{name}' needs exactly one of PagerDuty, Slack or Webhook (it has {kinds}).";
        foreach (var error in PagerDuty?.Validate() ?? Slack?.Validate() ?? Webhook?.Validate() ?? [])
            yield return $"Receiver '{name}': {error}";
    }
}

/// <summary>PagerDuty Events API v2: one integration (routing) key per service.</summary>
public sealed record PagerDutyConfig
{
    public const string DefaultBaseUrl = "https://events.pagerduty.com";
    public static readonly IReadOnlyList<string> Severities = ["critical", "error", "warning", "info"];

    /// <summary>The environment variable holding the integration key, e.g. <c>PAGERDUTY_ROUTING_KEY</c>.</summary>
    public string RoutingKeyEnv { get; init; } = "";

    public string BaseUrl { get; init; } = DefaultBaseUrl;

    /// <summary>The alert's <c>severity</c> label → PagerDuty severity; overrides the defaults (page/critical → critical, ...).</summary>
    public Dictionary<string, string> SeverityMap { get; init; } = [];

    /// <summary>Shown on the incident as the monitoring tool, with a link to it.</summary>
    public string Client { get; init; } = "LlmOps alerting";
    public string? ClientUrl { get; init; }

    public string Source { get; init; } = "llmops-alerting";

    public IEnumerable<string> Validate()
    {
        foreach (var error in ConfigRules.EnvName(nameof(RoutingKeyEnv), RoutingKeyEnv))
            yield return error;
        foreach (var error in ConfigRules.Url(nameof(BaseUrl), BaseUrl))
            yield return error;
        if (ClientUrl is not null)
            foreach (var error in ConfigRules.Url(nameof(ClientUrl), ClientUrl))
                yield return error;
        foreach (var (label, severity) in SeverityMap)
            if (!Severities.Contains(severity))
                yield return $"SeverityMap maps '{label}' to '{severity}'; PagerDuty knows only {string.Join("|", Severities)}.";
    }
}

/// <summary>A Slack incoming webhook; its URL is the secret.</summary>
public sealed record SlackConfig
{
    /// <summary>The environment variable holding the incoming-webhook URL, e.g. <c>SLACK_WEBHOOK_URL</c>.</summary>
    public string WebhookUrlEnv { get; init; } = "";

    public string? Channel { get; init; }
    public string? Username { get; init; }

    public IEnumerable<string> Validate() => ConfigRules.EnvName(nameof(WebhookUrlEnv), WebhookUrlEnv);
}

/// <summary>Any HTTP endpoint, sent the Alertmanager-shaped JSON and an HMAC-SHA256 signature (docs/alerting-receivers.md).</summary>
public sealed record WebhookConfig
{
    public const string DefaultSignatureHeader = "X-LlmOps-Signature";
    public const string TimestampHeader = "X-LlmOps-Timestamp";

    public string Url { get; init; } = "";

    /// <summary>The environment variable holding the shared signing secret.</summary>
    public string SecretEnv { get; init; } = "";

    public string SignatureHeader { get; init; } = DefaultSignatureHeader;

    public IEnumerable<string> Validate()
    {
        foreach (var error in ConfigRules.Url(nameof(Url), Url))
            yield return error;
        foreach (var error in ConfigRules.EnvName(nameof(SecretEnv), SecretEnv))
            yield return error;
        if (!ConfigRules.HeaderName().IsMatch(SignatureHeader) || SignatureHeader.Equals(TimestampHeader, StringComparison.OrdinalIgnoreCase))
            yield return $"SignatureHeader '{SignatureHeader}' is not a usable header name.";
    }
}

internal static partial class ConfigRules
{
    // A variable name, so a secret pasted where its variable's name belongs (a key, a hooks.slack.com URL) is refused.
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvNamePattern();

    [GeneratedRegex("^[A-Za-z0-9-]+$")]
    public static partial Regex HeaderName();

    public static IEnumerable<string> EnvName(string property, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
            yield return $"{property} is required: the name of the environment variable holding the secret.";
        else if (!EnvNamePattern().IsMatch(value))
            yield return $"{property} must name an environment variable (letters, digits, _), not hold the secret itself.";
    }

    public static IEnumerable<string> Url(string property, string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            yield return $"{property} must be an absolute http(s) URL.";
    }
}
