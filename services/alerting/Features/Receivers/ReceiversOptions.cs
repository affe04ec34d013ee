namespace LlmOps.Alerting.Features.Receivers;

/// <summary>
/// The receivers by name and how they are delivered to, under <c>Alerting</c>:
/// <c>Alerting:Receivers:ops-pager:PagerDuty:RoutingKeyEnv = PAGERDUTY_ROUTING_KEY</c>, <c>Alerting:Delivery:MaxAttempts = 6</c>.
/// </summary>
public sealed record ReceiversOptions
{
    public const string Section = "Alerting";

    public Dictionary<string, ReceiverConfig> Receivers { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public DeliveryOptions Delivery { get; init; } = new();

    public IEnumerable<string> Validate()
    {
        foreach (var (name, receiver) in Receivers)
            foreach (var error in receiver.Validate(name))
                yield return error;
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(Delivery, new(Delivery), results, validateAllProperties: true))
            foreach (var result in results)
                yield return $"Alerting:Delivery: {result.ErrorMessage}";
        if (Delivery.MaxDelaySeconds < Delivery.BaseDelaySeconds)
            yield return "Alerting:Delivery: MaxDelaySeconds is below BaseDelaySeconds.";
    }
}
