using System.Net.Http.Json;
using System.Text.Json;
using LlmOps.Testing;

namespace LlmOps.Alerting.Tests.Engine;

/// <summary>Receivers failing: retried on 5xx and 429 within one delivery, never on other 4xx; the outcome visible per alert.</summary>
public class DeliveryFailureTests
{
    private static readonly Dictionary<string, string?> NoWait = new() { ["Alerting:Route:GroupWait"] = "0s" };

    private static async Task<JsonElement> AlertDetailAsync(EngineHarness h, string rule)
    {
        var fingerprint = h.Engine.Alerts.Single(a => a.Status.RuleName == rule).Status.Fingerprint;
        using var admin = h.Client();
        return await admin.GetFromJsonAsync<JsonElement>($"/api/alerts/{fingerprint}");
    }

    [Fact]
    public async Task A_500_then_202_is_one_incident_delivered_on_the_second_attempt()
    {
        await using var h = await EngineHarness.StartAsync(NoWait);
        h.Pages.Script(PageReceiver.PagerDutyPath, 500, 202);
        h.Metrics.Set("cost_spike", true, 42, ("project", "acme"));
        await h.StepAsync(TimeSpan.Zero);

        var requests = h.PagerDutyRequests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Body, requests[1].Body); // the same trigger, same dedup key: PagerDuty opens one incident
        var delivery = Assert.Single((await AlertDetailAsync(h, "cost_spike")).GetProperty("deliveries").EnumerateArray());
        Assert.True(delivery.GetProperty("delivered").GetBoolean());
        Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(202, delivery.GetProperty("httpStatus").GetInt32());

        await h.StepAsync(TimeSpan.FromMinutes(10));
        Assert.Equal(2, h.PagerDutyRequests.Count); // logged as sent: no repeat before repeat_interval
    }

    [Fact]
    public async Task A_400_is_not_retried_and_the_failure_shows_on_the_alert()
    {
        await using var h = await EngineHarness.StartAsync(NoWait);
        h.Pages.Script(PageReceiver.PagerDutyPath, new ScriptedAnswer(400, """{"status":"invalid event","errors":["routing_key is invalid"]}"""));
        h.Metrics.Set("cost_spike", true, 42, ("project", "acme"));
        await h.StepAsync(TimeSpan.Zero);
        Assert.Single(h.PagerDutyRequests);

        var delivery = Assert.Single((await AlertDetailAsync(h, "cost_spike")).GetProperty("deliveries").EnumerateArray());
        Assert.False(delivery.GetProperty("delivered").GetBoolean());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(400, delivery.GetProperty("httpStatus").GetInt32());
        Assert.Contains("routing_key is invalid", delivery.GetProperty("error").GetString());

        // Past FailedDeliveryBackoffSeconds (60 s) and with the alert still firing: the same event would be refused again.
        await h.StepAsync(TimeSpan.FromSeconds(61));
        await h.StepAsync(TimeSpan.FromMinutes(10));
        Assert.Single(h.PagerDutyRequests);
        Assert.Single((await AlertDetailAsync(h, "cost_spike")).GetProperty("deliveries").EnumerateArray());
    }

    [Fact]
    public async Task A_group_refused_with_400_is_paged_again_when_its_alert_fires_anew()
    {
        await using var h = await EngineHarness.StartAsync(NoWait);
        h.Pages.Script(PageReceiver.PagerDutyPath, 400);
        h.Metrics.Set("cost_spike", true, 42, ("project", "acme"));
        await h.StepAsync(TimeSpan.Zero);
        Assert.Single(h.PagerDutyRequests);

        // Resolved without a page (the receiver never had the incident), then a new episode: a different event, sent.
        h.Metrics.Set("cost_spike", false, 0, ("project", "acme"));
        await h.StepAsync(TimeSpan.FromMinutes(1));
        Assert.Single(h.PagerDutyRequests);
        h.Metrics.Set("cost_spike", true, 50, ("project", "acme"));
        await h.StepAsync(TimeSpan.FromMinutes(1));
        Assert.Equal([400, 202], h.PagerDutyRequests.Select(r => r.AnsweredStatus));
    }

    [Fact]
    public async Task A_429_waits_the_Retry_After_it_was_given()
    {
        await using var h = await EngineHarness.StartAsync(NoWait);
        h.Pages.Script(PageReceiver.PagerDutyPath, ScriptedAnswer.RetryAfter(429, "1"), 202);
        h.Metrics.Set("cost_spike", true, 42, ("project", "acme"));
        var started = DateTime.UtcNow;
        await h.StepAsync(TimeSpan.Zero);
        Assert.Equal([429, 202], h.PagerDutyRequests.Select(r => r.AnsweredStatus));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9), "the second attempt came before Retry-After");
    }

    [Fact]
    public async Task A_receiver_down_for_every_attempt_is_tried_again_later_and_the_page_still_arrives()
    {
        await using var h = await EngineHarness.StartAsync(NoWait);
        h.Pages.Script(PageReceiver.PagerDutyPath, 503, 503, 503);
        h.Metrics.Set("cost_spike", true, 42, ("project", "acme"));
        await h.StepAsync(TimeSpan.Zero);
        Assert.Equal(3, h.PagerDutyRequests.Count);
        await h.StepAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(4, h.PagerDutyRequests.Count);
        Assert.Equal(202, h.PagerDutyRequests[3].AnsweredStatus);
        var deliveries = (await AlertDetailAsync(h, "cost_spike")).GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal([true, false], deliveries.Select(d => d.GetProperty("delivered").GetBoolean()));
    }
}
