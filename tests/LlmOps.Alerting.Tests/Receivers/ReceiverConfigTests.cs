using LlmOps.Alerting.Features.Receivers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Tests.Receivers;

public class ReceiverConfigTests
{
    [Fact]
    public void A_valid_receiver_of_each_kind_has_no_errors()
    {
        Assert.Empty(new ReceiverConfig { PagerDuty = new() { RoutingKeyEnv = "PD_KEY" } }.Validate("p"));
        Assert.Empty(new ReceiverConfig { Slack = new() { WebhookUrlEnv = "SLACK_URL" } }.Validate("s"));
        Assert.Empty(new ReceiverConfig { Webhook = new() { Url = "https://hooks.example/in", SecretEnv = "HOOK_SECRET" } }.Validate("w"));
    }

    [Fact]
    public void A_secret_pasted_where_its_variable_name_belongs_is_refused()
    {
        var errors = new ReceiverConfig { Slack = new() { WebhookUrlEnv = "https://hooks.slack.com/services/T0/B0/XYZ" } }.Validate("s").ToList();

        Assert.Contains(errors, e => e.Contains("must name an environment variable"));
    }

    [Fact]
    public void Zero_or_two_kinds_a_bad_url_and_an_unknown_severity_are_refused()
    {
        Assert.NotEmpty(new ReceiverConfig().Validate("none"));
        Assert.NotEmpty(new ReceiverConfig { PagerDuty = new() { RoutingKeyEnv = "A" }, Slack = new() { WebhookUrlEnv = "B" } }.Validate("two"));
        Assert.NotEmpty(new ReceiverConfig { Webhook = new() { Url = "ftp://x", SecretEnv = "S" } }.Validate("w"));
        Assert.NotEmpty(new ReceiverConfig { PagerDuty = new() { RoutingKeyEnv = "A", SeverityMap = new() { ["page"] = "sev1" } } }.Validate("p"));
    }

    [Fact]
    public void Receivers_bind_from_configuration_and_resolve_to_their_senders()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alerting:Receivers:ops-pager:PagerDuty:RoutingKeyEnv"] = "PD_KEY",
            ["Alerting:Receivers:ops-pager:PagerDuty:SeverityMap:ticket"] = "warning",
            ["Alerting:Receivers:team-slack:Slack:WebhookUrlEnv"] = "SLACK_URL",
            ["Alerting:Receivers:audit:Webhook:Url"] = "https://hooks.example/in",
            ["Alerting:Receivers:audit:Webhook:SecretEnv"] = "HOOK_SECRET",
            ["Alerting:Delivery:MaxAttempts"] = "4",
        });
        builder.AddAlertReceivers();
        using var services = builder.Services.BuildServiceProvider();

        var senders = services.GetRequiredService<ReceiverSenders>();

        Assert.IsType<PagerDutySender>(senders.Find("ops-pager"));
        Assert.IsType<SlackSender>(senders.Find("team-slack"));
        Assert.IsType<WebhookSender>(senders.Find("AUDIT"));
        Assert.Null(senders.Find("nobody"));
        Assert.Equal(4, services.GetRequiredService<IOptions<ReceiversOptions>>().Value.Delivery.MaxAttempts);
    }

    [Fact]
    public void Invalid_receivers_fail_options_validation_with_the_reasons()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alerting:Receivers:ops-pager:PagerDuty:RoutingKeyEnv"] = "",
            ["Alerting:Delivery:MaxAttempts"] = "0",
        });
        builder.AddAlertReceivers();
        using var services = builder.Services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ReceiversOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("RoutingKeyEnv is required"));
        Assert.Contains(error.Failures, f => f.Contains("MaxAttempts"));
    }
}
