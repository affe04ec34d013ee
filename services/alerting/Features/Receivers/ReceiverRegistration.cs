using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Features.Receivers;

public static class ReceiverRegistration
{
    public const string HttpClientName = "alerting-receivers";

    /// <summary>Binds and validates <c>Alerting:Receivers</c> and <c>Alerting:Delivery</c> at start-up, and registers the senders.</summary>
    public static WebApplicationBuilder AddAlertReceivers(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReceiversOptions>().BindConfiguration(ReceiversOptions.Section).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReceiversOptions>, ReceiversOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        // Each attempt's time limit is the policy's (Alerting:Delivery:AttemptTimeoutSeconds), not HttpClient's 100 s.
        builder.Services.AddHttpClient(HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton<ReceiverSenders>();
        return builder;
    }

    private sealed class ReceiversOptionsValidator : IValidateOptions<ReceiversOptions>
    {
        public ValidateOptionsResult Validate(string? name, ReceiversOptions options) =>
            options.Validate().ToList() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
