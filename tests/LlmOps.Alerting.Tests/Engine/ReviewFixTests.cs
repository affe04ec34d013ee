using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using LlmOps.Alerting.Features.Engine;
using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Tests.Engine;

/// <summary>Scenarios a review found wanting: each pins the behaviour that was wrong.</summary>
public class ReviewFixTests
{
    [Fact]
    public async Task A_child_route_inheriting_its_parents_receiver_is_not_resolved_or_repaged_by_the_parent()
    {
        await using var h = await EngineHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Alerting:Route:Routes:0:Matchers:0"] = "team=\"ml\"",
            ["Alerting:Route:Routes:0:GroupWait"] = "0s", // its own timing, the parent's receiver
        });
        h.Metrics.Set("hallucination_rate", true, 0.2, ("project", "acme"));
        await h.StepAsync(TimeSpan.Zero);
        await h.StepAsync(TimeSpan.FromMinutes(5));
        Assert.Single(h.PagerDutyRequests);
        for (var i = 0; i < 4; i++)
            await h.StepAsync(TimeSpan.FromMinutes(5));
        var page = Assert.Single(h.PagerDutyRequests); // no "resolve" from the root's scheduler, no second trigger
        Assert.Equal("trigger", JsonDocument.Parse(page.Body).RootElement.GetProperty("event_action").GetString());
    }

    [Fact]
    public async Task An_alert_resolved_by_hand_that_breaches_past_the_retention_fires_again_once_it_cleared_and_breaches_anew()
    {
        await using var h = await EngineHarness.StartAsync(new Dictionary<string, string?> { ["Alerting:Route:GroupWait"] = "0s" });
        h.Metrics.Set("cost_spike", true, 42, ("project", "acme"));
        await h.StepAsync(TimeSpan.Zero);
        var fingerprint = h.Engine.Alerts.Single().Status.Fingerprint;
        await h.Engine.ResolveAsync(fingerprint, "erin (admin key)", null, h.Clock.Now, CancellationToken.None);
        for (var i = 0; i < 20; i++)
            await h.StepAsync(TimeSpan.FromMinutes(1)); // still breaching, long after the resolved alert was forgotten
        Assert.DoesNotContain(h.Engine.Alerts, a => a.Status.State == AlertState.Firing);
        h.Metrics.Set("cost_spike", false, 1, ("project", "acme"));
        await h.StepAsync(TimeSpan.FromMinutes(1));
        h.Metrics.Set("cost_spike", true, 50, ("project", "acme"));
        await h.StepAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(AlertState.Firing, h.Engine.Alerts.Single(a => a.Status.Fingerprint == fingerprint).Status.State);
    }

    [Fact]
    public void A_static_label_that_is_also_a_by_label_is_refused_when_the_rule_loads()
    {
        var error = Assert.Throws<RuleFileException>(() => ApiRuleParser.Parse("""
            { "name": "x", "metric": { "name": "cost", "window": "1h", "by": ["project"] },
              "condition": { "threshold": { "op": ">", "value": 1 } },
              "labels": { "severity": "warning", "project": "acme" }, "annotations": { "summary": "s" } }
            """));
        Assert.Contains(error.Errors, e => e.Contains("'project' is also in metric.by"));
    }

    [Fact]
    public void Matcher_regexes_run_in_linear_time_and_refuse_backreferences()
    {
        var evil = Matcher.Parse("project=~\"(a+)+b\"");
        var clock = Stopwatch.StartNew();
        Assert.False(evil.Matches(new Dictionary<string, string> { ["project"] = new string('a', 5_000) }));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Throws<FormatException>(() => Matcher.Parse("project=~\"(a)\\\\1\""));
        Assert.Throws<FormatException>(() => Matcher.Parse("project=\"" + new string('x', 1_001) + "\""));
    }

    [Fact]
    public async Task A_project_key_sees_no_platform_wide_series_of_a_rule()
    {
        await using var h = await EngineHarness.StartAsync();
        h.Metrics.Set("evaluator_stalled", true, 900);
        await h.StepAsync(TimeSpan.Zero);
        using var a = h.Client(EngineHarness.ProjectKeyA);
        var rule = await a.GetFromJsonAsync<JsonElement>("/api/rules/evaluator_stalled");
        Assert.Equal(0, rule.GetProperty("series").GetArrayLength());
        using var admin = h.Client();
        Assert.Equal(1, (await admin.GetFromJsonAsync<JsonElement>("/api/rules/evaluator_stalled")).GetProperty("series").GetArrayLength());
    }
}
