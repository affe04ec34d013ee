using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Features.Receivers;

/// <summary>The configured receivers' senders by name, for whoever routes notifications to them.</summary>
public sealed class ReceiverSenders
{
    private readonly Dictionary<string, IReceiverSender> _senders = new(StringComparer.OrdinalIgnoreCase);

    public ReceiverSenders(IOptions<ReceiversOptions> options, IHttpClientFactory clients, TimeProvider time)
    {
        var policy = new DeliveryPolicy(options.Value.Delivery, time: time);
        foreach (var (name, config) in options.Value.Receivers)
            _senders[name] = Create(name, config, clients.CreateClient(ReceiverRegistration.HttpClientName), policy, Environment.GetEnvironmentVariable, time);
    }

    public IReadOnlyCollection<string> Names => _senders.Keys;

    public IReceiverSender? Find(string name) => _senders.GetValueOrDefault(name);

    public static IReceiverSender Create(string name, ReceiverConfig config, HttpClient http, DeliveryPolicy policy,
        Func<string, string?> environment, TimeProvider? time = null) => config switch
    {
        { PagerDuty: { } pagerDuty } => new PagerDutySender(name, pagerDuty, http, policy, environment),
        { Slack: { } slack } => new SlackSender(name, slack, http, policy, environment),
        { Webhook: { } webhook } => new WebhookSender(name, webhook, http, policy, environment, time),
        _ => throw new ArgumentException($"Receiver '{name}' has no PagerDuty, Slack or Webhook settings.", nameof(config)),
    };
}
