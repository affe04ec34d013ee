using System.Text.Json;
using LlmOps.Alerting.Features.Receivers;

namespace LlmOps.Alerting.Tests.Receivers;

/// <summary>Notifications, a policy that records its waits instead of waiting, and an environment with the test secrets.</summary>
internal static class Samples
{
    public const string RoutingKey = "R0UT1NGKEY00000000000000000000000";
    public const string Secret = "whsec-test-0123456789";
    public static readonly DateTimeOffset Started = new(2026, 8, 1, 10, 2, 0, TimeSpan.Zero);

    public static readonly IReadOnlyDictionary<string, string> Environment = new Dictionary<string, string>
    {
        ["PD_KEY"] = RoutingKey,
        ["SLACK_URL"] = "",
        ["HOOK_SECRET"] = Secret,
    };

    public static string? Env(string name) => Environment.GetValueOrDefault(name);

    public static NotificationAlert Alert(string fingerprint, string summary, string severity = "page", DateTimeOffset? endsAt = null) => new()
    {
        Fingerprint = fingerprint,
        Labels = new Dictionary<string, string>
        {
            ["alertname"] = "cost-spike", ["project"] = "acme", ["severity"] = severity, ["team"] = "platform", ["component"] = "cost-accountant",
        },
        Annotations = new Dictionary<string, string> { ["summary"] = summary, ["runbook_url"] = "https://runbooks.example/cost-spike" },
        StartsAt = Started,
        EndsAt = endsAt,
        Value = 412.5,
        GeneratorUrl = "https://console.example/alerts/cost-spike",
    };

    public static Notification Firing(params NotificationAlert[] alerts) =>
        Notification.Create("cost-spike", new Dictionary<string, string> { ["project"] = "acme" },
            alerts.Length > 0 ? alerts : [Alert("f1", "Cost spike acme $412 > 2x 7d mean")], "https://console.example/projects/acme/alerts");

    public static Notification Resolved() =>
        Firing(Alert("f1", "Cost spike acme $412 > 2x 7d mean", endsAt: Started.AddMinutes(30)));

    /// <summary>A policy that never sleeps: it records each requested wait; jitter is pinned to its top, so backoff is exact.</summary>
    public static DeliveryPolicy Policy(List<TimeSpan> waits, int maxAttempts = 6, TimeProvider? time = null) =>
        new(new DeliveryOptions { MaxAttempts = maxAttempts, AttemptTimeoutSeconds = 5 },
            (wait, _) =>
            {
                lock (waits)
                    waits.Add(wait);
                return Task.CompletedTask;
            },
            jitter: () => 1.0, time: time);

    public static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    public static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();
}
