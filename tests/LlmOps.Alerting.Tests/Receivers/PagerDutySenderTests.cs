using LlmOps.Alerting.Features.Receivers;
using LlmOps.Testing;

namespace LlmOps.Alerting.Tests.Receivers;

public class PagerDutySenderTests
{
    private static PagerDutySender Sender(PageReceiver receiver, List<TimeSpan> waits, PagerDutyConfig? config = null, int maxAttempts = 6) =>
        new("ops-pager", config ?? new PagerDutyConfig { RoutingKeyEnv = "PD_KEY", BaseUrl = receiver.BaseAddress.ToString() },
            new HttpClient(), Samples.Policy(waits, maxAttempts), Samples.Env);

    [Fact]
    public async Task Trigger_and_resolve_carry_the_same_dedup_key_and_the_events_v2_field_names()
    {
        await using var receiver = await PageReceiver.StartAsync();
        var sender = Sender(receiver, []);

        var fired = await sender.SendAsync(Samples.Firing(), TestContext.Current.CancellationToken);
        var resolved = await sender.SendAsync(Samples.Resolved(), TestContext.Current.CancellationToken);

        Assert.True(fired.Delivered);
        Assert.True(resolved.Delivered);
        Assert.Equal(202, fired.LastStatusCode);
        var requests = receiver.RequestsTo(PageReceiver.PagerDutyPath);
        Assert.Equal(2, requests.Count);
        Assert.StartsWith("application/json", requests[0].Header("Content-Type"));
        var trigger = Samples.Json(requests[0].Body);
        var resolve = Samples.Json(requests[1].Body);
        Assert.Equal(["routing_key", "event_action", "dedup_key", "payload", "client", "client_url"], Samples.Names(trigger));
        Assert.Equal(["routing_key", "event_action", "dedup_key"], Samples.Names(resolve));
        Assert.Equal("trigger", trigger.GetProperty("event_action").GetString());
        Assert.Equal("resolve", resolve.GetProperty("event_action").GetString());
        Assert.Equal(Samples.RoutingKey, resolve.GetProperty("routing_key").GetString());
        Assert.Equal("llmops/cost-spike/project=acme", trigger.GetProperty("dedup_key").GetString());
        Assert.Equal(trigger.GetProperty("dedup_key").GetString(), resolve.GetProperty("dedup_key").GetString());

        var payload = trigger.GetProperty("payload");
        Assert.Equal(["summary", "source", "severity", "timestamp", "component", "group", "class", "custom_details"], Samples.Names(payload));
        Assert.Equal("Cost spike acme $412 > 2x 7d mean", payload.GetProperty("summary").GetString());
        Assert.Equal("llmops-alerting", payload.GetProperty("source").GetString());
        Assert.Equal("critical", payload.GetProperty("severity").GetString());
        Assert.Equal("2026-08-01T10:02:00Z", payload.GetProperty("timestamp").GetString());
        Assert.Equal("cost-accountant", payload.GetProperty("component").GetString());
        Assert.Equal("cost_spike", payload.GetProperty("class").GetString());
        Assert.Equal("acme", payload.GetProperty("custom_details").GetProperty("project").GetString());
        Assert.Equal(412.5, payload.GetProperty("custom_details").GetProperty("value").GetDouble());
        Assert.Equal("https://console.example/projects/acme/alerts", trigger.GetProperty("client_url").GetString());
    }

    [Fact]
    public async Task A_500_then_202_is_delivered_on_the_second_attempt_as_exactly_one_incident()
    {
        await using var receiver = await PageReceiver.StartAsync();
        receiver.Script(PageReceiver.PagerDutyPath, 500, 202);
        var waits = new List<TimeSpan>();

        var result = await Sender(receiver, waits).SendAsync(Samples.Firing(), TestContext.Current.CancellationToken);

        Assert.True(result.Delivered);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(202, result.LastStatusCode);
        Assert.Equal("ops-pager", result.Receiver);
        Assert.Equal([TimeSpan.FromSeconds(1)], waits);
        var requests = receiver.RequestsTo(PageReceiver.PagerDutyPath);
        Assert.Equal([500, 202], requests.Select(r => r.AnsweredStatus));
        var incidents = requests.Where(r => r.Accepted).Select(r => Samples.Json(r.Body))
            .Where(e => e.GetProperty("event_action").GetString() == "trigger").Select(e => e.GetProperty("dedup_key").GetString()).Distinct();
        Assert.Single(incidents);
        Assert.Equal(requests[0].Body, requests[1].Body);
    }

    [Fact]
    public async Task A_400_is_final_after_one_attempt_and_reported_not_thrown()
    {
        await using var receiver = await PageReceiver.StartAsync();
        receiver.Script(PageReceiver.PagerDutyPath, new ScriptedAnswer(400, """{"status":"invalid event","message":"Event object is invalid"}"""));
        var waits = new List<TimeSpan>();

        var result = await Sender(receiver, waits).SendAsync(Samples.Firing(), TestContext.Current.CancellationToken);

        Assert.False(result.Delivered);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(400, result.LastStatusCode);
        Assert.False(result.Retryable);
        Assert.True(result.Final);
        Assert.Contains("invalid event", result.LastError);
        Assert.Empty(waits);
        Assert.Single(receiver.RequestsTo(PageReceiver.PagerDutyPath));
    }

    [Fact]
    public async Task A_429_with_Retry_After_2_waits_the_two_seconds_asked_then_delivers()
    {
        await using var receiver = await PageReceiver.StartAsync();
        receiver.Script(PageReceiver.PagerDutyPath, ScriptedAnswer.RetryAfter(429, "2"), 202);
        var waits = new List<TimeSpan>();

        var result = await Sender(receiver, waits).SendAsync(Samples.Firing(), TestContext.Current.CancellationToken);

        Assert.True(result.Delivered);
        Assert.Equal(2, result.Attempts);
        Assert.Equal([TimeSpan.FromSeconds(2)], waits);
        Assert.Equal(waits, result.Waits);
    }

    [Fact]
    public async Task Five_hundreds_until_attempts_run_out_back_off_exponentially_and_stay_retryable()
    {
        await using var receiver = await PageReceiver.StartAsync();
        receiver.Script(PageReceiver.PagerDutyPath, 503, 502, 500, 500);
        var waits = new List<TimeSpan>();

        var result = await Sender(receiver, waits, maxAttempts: 4).SendAsync(Samples.Firing(), TestContext.Current.CancellationToken);

        Assert.False(result.Delivered);
        Assert.Equal(4, result.Attempts);
        Assert.Equal(500, result.LastStatusCode);
        Assert.True(result.Retryable);
        Assert.False(result.Final);
        Assert.Equal([1, 2, 4], waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public async Task A_closed_port_is_retried_then_reported_as_a_network_failure()
    {
        var port = ClosedPort();
        var waits = new List<TimeSpan>();
        var sender = new PagerDutySender("ops-pager", new PagerDutyConfig { RoutingKeyEnv = "PD_KEY", BaseUrl = $"http://127.0.0.1:{port}" },
            new HttpClient(), Samples.Policy(waits, maxAttempts: 3), Samples.Env);

        var result = await sender.SendAsync(Samples.Firing(), TestContext.Current.CancellationToken);

        Assert.False(result.Delivered);
        Assert.Equal(3, result.Attempts);
        Assert.Null(result.LastStatusCode);
        Assert.True(result.Retryable);
        Assert.StartsWith("request failed", result.LastError);
        Assert.Equal(2, waits.Count);
    }

    [Fact]
    public async Task A_missing_routing_key_variable_is_a_final_failure_without_a_request()
    {
        await using var receiver = await PageReceiver.StartAsync();
        var sender = new PagerDutySender("ops-pager", new PagerDutyConfig { RoutingKeyEnv = "NOT_SET_ANYWHERE", BaseUrl = receiver.BaseAddress.ToString() },
            new HttpClient(), Samples.Policy([]), Samples.Env);

        var result = await sender.SendAsync(Samples.Firing(), TestContext.Current.CancellationToken);

        Assert.False(result.Delivered);
        Assert.Equal(0, result.Attempts);
        Assert.True(result.Final);
        Assert.Contains("NOT_SET_ANYWHERE", result.LastError);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public void The_summary_is_cut_to_1024_characters()
    {
        var notification = Samples.Firing(Samples.Alert("f1", new string('x', 5000)));

        var summary = PagerDutySender.Summary(notification);

        Assert.Equal(PagerDutySender.MaxSummaryLength, summary.Length);
    }

    [Fact]
    public void Several_alerts_are_summarised_together_with_their_count()
    {
        var notification = Samples.Firing(Samples.Alert("f1", "first"), Samples.Alert("f2", "second"));

        Assert.Equal("[2] cost-spike: first; second", PagerDutySender.Summary(notification));
    }

    [Theory]
    [InlineData("page", "critical")]
    [InlineData("critical", "critical")]
    [InlineData("warning", "warning")]
    [InlineData("ticket", "info")]
    [InlineData("info", "info")]
    public void Severity_labels_map_to_PagerDuty_severities(string label, string expected)
    {
        var sender = new PagerDutySender("p", new PagerDutyConfig { RoutingKeyEnv = "PD_KEY" }, new HttpClient(), Samples.Policy([]));

        Assert.Equal(expected, sender.Severity(Samples.Firing(Samples.Alert("f1", "s", label))));
    }

    [Fact]
    public void A_configured_severity_map_wins_and_the_most_severe_alert_sets_the_incident_severity()
    {
        var sender = new PagerDutySender("p", new PagerDutyConfig { RoutingKeyEnv = "PD_KEY", SeverityMap = new() { ["ticket"] = "error" } },
            new HttpClient(), Samples.Policy([]));

        Assert.Equal("error", sender.Severity(Samples.Firing(Samples.Alert("f1", "s", "ticket"))));
        Assert.Equal("warning", sender.Severity(Samples.Firing(Samples.Alert("f1", "s", "info"), Samples.Alert("f2", "s", "warning"))));
    }

    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
