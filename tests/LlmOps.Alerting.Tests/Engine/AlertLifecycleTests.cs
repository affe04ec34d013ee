using System.Net.Http.Json;
using System.Text.Json;
using LlmOps.Alerting.Features.Engine;
using LlmOps.Testing;

namespace LlmOps.Alerting.Tests.Engine;

/// <summary>The engine end to end on one host: rules → lifecycle → grouping → PagerDuty-shaped pages, bus events and CloudEvents.</summary>
public class AlertLifecycleTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static JsonElement Body(ReceivedRequest request) => JsonDocument.Parse(request.Body).RootElement;

    [Fact]
    public async Task A_breach_pages_after_group_wait_and_its_resolve_closes_the_same_incident()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Metrics.Set("cost_spike", holds: true, value: 42, ("project", "acme"));

        await h.StepAsync(TimeSpan.Zero);
        Assert.Empty(h.PagerDutyRequests); // fired, but inside group_wait (30 s)
        await Eventually.TrueAsync(() => Task.FromResult(h.Fired.Count == 1), TimeSpan.FromSeconds(10), "AlertFired");

        await h.StepAsync(TimeSpan.FromSeconds(30));
        var trigger = Assert.Single(h.PagerDutyRequests);
        Assert.Equal("trigger", Body(trigger).GetProperty("event_action").GetString());
        var dedupKey = Body(trigger).GetProperty("dedup_key").GetString();
        Assert.Equal("llmops/cost_spike/project=acme", dedupKey);
        Assert.Equal(EngineHarness.RoutingKey, Body(trigger).GetProperty("routing_key").GetString());
        Assert.Contains("Cost 42 in acme", Body(trigger).GetProperty("payload").GetProperty("summary").GetString());

        h.Metrics.Set("cost_spike", holds: false, value: 3, ("project", "acme"));
        await h.StepAsync(Minute);
        await h.StepAsync(TimeSpan.FromMinutes(5)); // group_interval after the trigger
        Assert.Equal(2, h.PagerDutyRequests.Count);
        var resolve = Body(h.PagerDutyRequests[1]);
        Assert.Equal("resolve", resolve.GetProperty("event_action").GetString());
        Assert.Equal(dedupKey, resolve.GetProperty("dedup_key").GetString());

        await Eventually.TrueAsync(() => Task.FromResult(h.Resolved.Count == 1), TimeSpan.FromSeconds(10), "AlertResolved");
        var fired = Assert.Single(h.Fired);
        Assert.Equal("cost_spike", fired.RuleName);
        Assert.Equal("acme", fired.ProjectId);
        Assert.Equal("warning", fired.Severity);
        Assert.Equal(42, fired.Value);
        Assert.Null(Assert.Single(h.Resolved).ResolvedBy);

        await Eventually.TrueAsync(() => Task.FromResult(h.TopicEvents.Count == 2), TimeSpan.FromSeconds(10), "two CloudEvents");
        Assert.Equal(["io.llmops.alert.fired", "io.llmops.alert.resolved"], h.TopicEvents.Select(e => e.Type));
        Assert.All(h.TopicEvents, e => Assert.Equal("/llmops/alerting", e.Source));
        Assert.Equal(fired.Fingerprint, h.TopicEvents[0].Subject);
        Assert.NotEqual(h.TopicEvents[0].Id, h.TopicEvents[1].Id);
    }

    [Fact]
    public async Task Fifty_alerts_firing_within_group_wait_make_one_page()
    {
        await using var h = await EngineHarness.StartAsync(new Dictionary<string, string?> { ["Alerting:Route:GroupBy:0"] = "alertname" });
        for (var i = 0; i < 25; i++)
            h.Metrics.Set("cost_spike", true, 100 + i, ("project", $"p{i:00}"));
        await h.StepAsync(TimeSpan.Zero);
        for (var i = 25; i < 50; i++)
            h.Metrics.Set("cost_spike", true, 100 + i, ("project", $"p{i:00}"));
        await h.StepAsync(TimeSpan.FromSeconds(20)); // not yet evaluated again (interval 1m) ...
        await h.StepAsync(TimeSpan.FromSeconds(40)); // ... now all 50 fire, and group_wait of the first 25 is over
        var page = Assert.Single(h.PagerDutyRequests);
        Assert.Equal("llmops/cost_spike/", Body(page).GetProperty("dedup_key").GetString());
        Assert.Equal(50, h.Engine.Alerts.Count(a => a.Status.State == Features.Rules.AlertState.Firing));
        Assert.Contains("50", Body(page).GetProperty("payload").GetProperty("summary").GetString());
    }

    [Fact]
    public async Task An_alert_that_resolves_inside_group_wait_never_pages()
    {
        await using var h = await EngineHarness.StartAsync(new Dictionary<string, string?> { ["Alerting:Route:GroupWait"] = "2m" });
        h.Metrics.Set("cost_spike", true, 50, ("project", "acme"));
        await h.StepAsync(TimeSpan.Zero);
        h.Metrics.Set("cost_spike", false, 1, ("project", "acme"));
        await h.StepAsync(Minute);
        await h.StepAsync(TimeSpan.FromMinutes(10));
        Assert.Empty(h.PagerDutyRequests);
        await Eventually.TrueAsync(() => Task.FromResult(h.Resolved.Count == 1), TimeSpan.FromSeconds(10), "AlertResolved still published");
    }

    [Fact]
    public async Task A_condition_must_hold_for_its_for_duration_before_anything_fires()
    {
        await using var h = await EngineHarness.StartAsync(new Dictionary<string, string?> { ["Alerting:Route:GroupWait"] = "0s" });
        h.Metrics.Set("hallucination_rate", true, 0.09, ("project", "acme"));
        await h.StepAsync(TimeSpan.Zero);
        Assert.Equal("pending", AlertStore.StateName(Assert.Single(h.Engine.Alerts).Status.State));
        await h.StepAsync(TimeSpan.FromMinutes(4));
        Assert.Empty(h.PagerDutyRequests);
        await h.StepAsync(Minute);
        var page = Assert.Single(h.PagerDutyRequests);
        Assert.Equal("critical", Body(page).GetProperty("payload").GetProperty("severity").GetString());
        Assert.Contains("Hallucination 9 % in acme", Body(page).GetProperty("payload").GetProperty("summary").GetString());
    }

    [Fact]
    public async Task A_flapping_condition_under_keep_firing_for_is_one_page_not_one_per_flap()
    {
        await using var h = await EngineHarness.StartAsync(new Dictionary<string, string?> { ["Alerting:Route:GroupWait"] = "0s" });
        h.Metrics.Set("hallucination_rate", true, 0.09, ("project", "acme"));
        await h.StepAsync(TimeSpan.Zero);
        await h.StepAsync(TimeSpan.FromMinutes(5));
        for (var i = 0; i < 10; i++)
        {
            h.Metrics.Set("hallucination_rate", i % 2 == 0 ? false : true, 0.05, ("project", "acme"));
            await h.StepAsync(Minute);
        }
        Assert.Single(h.PagerDutyRequests);
        await Eventually.TrueAsync(() => Task.FromResult(h.Fired.Count == 1), TimeSpan.FromSeconds(10), "one AlertFired");
        Assert.Empty(h.Resolved);
    }

    [Fact]
    public async Task Alerting_restarted_neither_repeats_a_page_nor_misses_the_resolve()
    {
        var first = await EngineHarness.StartAsync();
        first.Metrics.Set("cost_spike", true, 42, ("project", "acme"));
        await first.StepAsync(TimeSpan.Zero);
        await first.StepAsync(TimeSpan.FromSeconds(30));
        Assert.Single(first.PagerDutyRequests);
        await first.StopAsync();

        // Back after a minute: the alert is still firing and the page is in the notification log: nothing is sent.
        await using (var second = await EngineHarness.StartAsync(restartOf: first))
        {
            await second.StepAsync(Minute);
            await second.StepAsync(Minute);
            Assert.Single(second.PagerDutyRequests);
            Assert.Empty(second.Fired); // the restarted engine did not fire it again either
            second.Metrics.Set("cost_spike", false, 1, ("project", "acme"));
            await second.StepAsync(Minute);
            await second.StopAsync();
        }

        // Stopped right after the alert resolved, before the resolve was sent: the next run sends it.
        await using var third = await EngineHarness.StartAsync(restartOf: first);
        await third.StepAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(2, third.PagerDutyRequests.Count);
        Assert.Equal("resolve", Body(third.PagerDutyRequests[1]).GetProperty("event_action").GetString());
        await third.StepAsync(TimeSpan.FromHours(5));
        Assert.Equal(2, third.PagerDutyRequests.Count);
        await first.DisposeAsync();
    }

    [Fact]
    public async Task A_silence_holds_the_page_until_it_ends()
    {
        await using var h = await EngineHarness.StartAsync(new Dictionary<string, string?> { ["Alerting:Route:GroupWait"] = "0s" });
        using var admin = h.Client();
        var created = await admin.PostAsJsonAsync("/api/silences", new { matchers = new[] { "project=\"acme\"" }, duration = "30m", comment = "maintenance CHG-1" });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);

        h.Metrics.Set("cost_spike", true, 42, ("project", "acme"));
        h.Metrics.Set("cost_spike", true, 43, ("project", "beta"));
        await h.StepAsync(TimeSpan.Zero);
        var page = Assert.Single(h.PagerDutyRequests);
        Assert.Contains("beta", page.Body);
        var muted = h.Engine.Alerts.Single(a => a.ProjectId == "acme");
        Assert.True(muted.Silenced);

        await h.StepAsync(TimeSpan.FromMinutes(31));
        Assert.Equal(2, h.PagerDutyRequests.Count);
        Assert.Contains("acme", h.PagerDutyRequests[1].Body);
    }

    [Fact]
    public async Task A_critical_alert_inhibits_warnings_of_the_same_project()
    {
        await using var h = await EngineHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Alerting:Route:GroupWait"] = "0s",
            ["Alerting:InhibitRules:0:SourceMatchers:0"] = "severity=\"critical\"",
            ["Alerting:InhibitRules:0:TargetMatchers:0"] = "severity=\"warning\"",
            ["Alerting:InhibitRules:0:Equal:0"] = "project",
        });
        h.Metrics.Set("hallucination_rate", true, 0.2, ("project", "acme"));
        await h.StepAsync(TimeSpan.Zero);
        await h.StepAsync(TimeSpan.FromMinutes(5)); // critical fires and pages
        h.Metrics.Set("cost_spike", true, 42, ("project", "acme"));
        h.Metrics.Set("cost_spike", true, 42, ("project", "beta"));
        await h.StepAsync(Minute);
        await h.StepAsync(TimeSpan.FromMinutes(5));
        var bodies = h.PagerDutyRequests.Select(r => r.Body).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Contains(bodies, b => b.Contains("hallucination_rate/project=acme"));
        Assert.Contains(bodies, b => b.Contains("cost_spike/project=beta"));
        Assert.True(h.Engine.Alerts.Single(a => a.Status.RuleName == "cost_spike" && a.ProjectId == "acme").Inhibited);
    }
}
