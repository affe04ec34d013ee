using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace LlmOps.Alerting.Features.Receivers;

/// <summary>
/// A generic webhook: the notification as Alertmanager's webhook JSON (version 4), signed per attempt with the
/// receiver's shared secret (<see cref="WebhookSignature"/>). <c>X-LlmOps-Delivery</c> is the same on every retry of one
/// notification, so a receiver can drop a duplicate.
/// </summary>
public sealed class WebhookSender(string name, WebhookConfig config, HttpClient http, DeliveryPolicy policy,
    Func<string, string?>? environment = null, TimeProvider? time = null) : IReceiverSender
{
    public const string DeliveryHeader = "X-LlmOps-Delivery";

    public string Name => name;

    public async Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        if (Wire.Secret(environment ?? Environment.GetEnvironmentVariable, config.SecretEnv) is not { } secret)
            return DeliveryResult.NotSent($"the signing secret's environment variable {config.SecretEnv} is not set") with { Receiver = name };
        var body = Body(notification, name).ToJsonString();
        var delivery = Guid.NewGuid().ToString("N");
        var url = new Uri(config.Url);
        var result = await policy.SendAsync(http, () =>
        {
            // Signed afresh per attempt: a retry after a long Retry-After still falls inside the receiver's replay window.
            var timestamp = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
            var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            message.Headers.Add(WebhookConfig.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            message.Headers.Add(config.SignatureHeader, WebhookSignature.Sign(secret, timestamp, body));
            message.Headers.Add(DeliveryHeader, delivery);
            return message;
        }, cancellationToken);
        return result with { Receiver = name };
    }

    public static JsonObject Body(Notification notification, string receiver) => new()
    {
        ["version"] = "4",
        ["status"] = notification.Status,
        ["receiver"] = receiver,
        ["groupKey"] = notification.GroupKey,
        ["dedupKey"] = notification.DedupKey,
        ["groupLabels"] = Map(notification.GroupLabels),
        ["commonLabels"] = Map(notification.CommonLabels),
        ["commonAnnotations"] = Map(notification.CommonAnnotations),
        ["externalURL"] = notification.ExternalUrl,
        ["alerts"] = new JsonArray(notification.Alerts.Select(a => (JsonNode)new JsonObject
        {
            ["status"] = a.Status,
            ["labels"] = Map(a.Labels),
            ["annotations"] = Map(a.Annotations),
            ["startsAt"] = Wire.Time(a.StartsAt),
            ["endsAt"] = a.EndsAt is { } ends ? Wire.Time(ends) : null,
            ["generatorURL"] = a.GeneratorUrl,
            ["fingerprint"] = a.Fingerprint,
            ["value"] = a.Value,
        }).ToArray()),
    };

    private static JsonObject Map(IReadOnlyDictionary<string, string> values) =>
        new(values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(v.Value))));
}
