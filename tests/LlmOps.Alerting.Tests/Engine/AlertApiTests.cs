using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LlmOps.Testing;

namespace LlmOps.Alerting.Tests.Engine;

/// <summary>/api/alerts, /api/silences and /api/rules: on-call actions, project isolation, validation.</summary>
public class AlertApiTests
{
    private static readonly Dictionary<string, string?> NoWait = new() { ["Alerting:Route:GroupWait"] = "0s" };

    private static async Task<EngineHarness> FiringAsync()
    {
        var h = await EngineHarness.StartAsync(NoWait);
        h.Metrics.Set("cost_spike", true, 42, ("project", "project-a"));
        h.Metrics.Set("cost_spike", true, 43, ("project", "project-b"));
        h.Metrics.Set("evaluator_stalled", true, 900);
        await h.StepAsync(TimeSpan.Zero);
        return h;
    }

    private static string Fingerprint(EngineHarness h, string project) => h.Engine.Alerts.Single(a => a.ProjectId == project).Status.Fingerprint;

    [Fact]
    public async Task A_project_key_sees_and_acts_on_its_own_alerts_only()
    {
        await using var h = await FiringAsync();
        using var a = h.Client(EngineHarness.ProjectKeyA);
        var list = await a.GetFromJsonAsync<JsonElement>("/api/alerts?projectId=project-b");
        var only = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("project-a", only.GetProperty("projectId").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/api/alerts/{Fingerprint(h, "project-b")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.PostAsJsonAsync($"/api/alerts/{Fingerprint(h, "project-b")}/acknowledge", new { })).StatusCode);
        var platformAlert = h.Engine.Alerts.Single(v => v.ProjectId is null).Status.Fingerprint;
        Assert.Equal(HttpStatusCode.NotFound, (await a.PostAsJsonAsync($"/api/alerts/{platformAlert}/resolve", new { })).StatusCode);
        var history = await a.GetFromJsonAsync<JsonElement>("/api/alerts/history");
        Assert.All(history.GetProperty("data").EnumerateArray(), e => Assert.Equal("project-a", e.GetProperty("projectId").GetString()));

        using var admin = h.Client();
        Assert.Equal(3, (await admin.GetFromJsonAsync<JsonElement>("/api/alerts?state=firing")).GetProperty("data").GetArrayLength());
        using var anonymous = h.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/alerts")).StatusCode);
        using var wrong = h.Client("not-a-key-at-all-0123456789");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/silences")).StatusCode);
    }

    [Fact]
    public async Task Acknowledging_records_who_and_when_and_stops_reminders_but_not_the_resolve()
    {
        await using var h = await FiringAsync();
        using var a = h.Client(EngineHarness.ProjectKeyA);
        var fingerprint = Fingerprint(h, "project-a");
        var acked = await a.PostAsJsonAsync($"/api/alerts/{fingerprint}/acknowledge", new { by = "alice", note = "looking" });
        Assert.Equal(HttpStatusCode.OK, acked.StatusCode);
        var body = await acked.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("alice (key ", body.GetProperty("acknowledgedBy").GetString());
        Assert.Equal(h.Clock.Now, body.GetProperty("acknowledgedAt").GetDateTimeOffset());

        var pagesBefore = h.PagerDutyRequests.Count(r => r.Body.Contains("project-a"));
        await h.StepAsync(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        Assert.Equal(pagesBefore, h.PagerDutyRequests.Count(r => r.Body.Contains("project-a"))); // no reminder for an acknowledged alert
        Assert.True(h.PagerDutyRequests.Count(r => r.Body.Contains("project-b")) >= 2); // the other project's is reminded

        h.Metrics.Set("cost_spike", false, 1, ("project", "project-a"));
        await h.StepAsync(TimeSpan.FromMinutes(1));
        await h.StepAsync(TimeSpan.FromMinutes(5));
        Assert.Contains(h.PagerDutyRequests, r => r.Body.Contains("\"resolve\"") && r.Body.Contains("project=project-a"));

        var detail = await a.GetFromJsonAsync<JsonElement>($"/api/alerts/{fingerprint}");
        Assert.Equal(["resolved", "acknowledged", "fired"], detail.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
    }

    [Fact]
    public async Task Resolving_by_hand_publishes_who_resolved_and_keeps_it_resolved_until_the_breach_clears()
    {
        await using var h = await FiringAsync();
        using var admin = h.Client();
        var fingerprint = Fingerprint(h, "project-a");
        var resolved = await admin.PostAsJsonAsync($"/api/alerts/{fingerprint}/resolve", new { by = "bob", note = "fixed the loop" });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        Assert.Equal("resolved", (await resolved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        await Eventually.TrueAsync(() => Task.FromResult(h.Resolved.Any(r => r.Fingerprint == fingerprint)), TimeSpan.FromSeconds(10), "AlertResolved");
        Assert.Equal("bob (admin key)", h.Resolved.Single(r => r.Fingerprint == fingerprint).ResolvedBy);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync($"/api/alerts/{fingerprint}/resolve", new { })).StatusCode);

        await h.StepAsync(TimeSpan.FromMinutes(1)); // still breaching: stays resolved
        Assert.Equal("resolved", Features.Engine.AlertStore.StateName(h.Engine.Alerts.Single(a => a.Status.Fingerprint == fingerprint).Status.State));
        h.Metrics.Set("cost_spike", false, 1, ("project", "project-a"));
        await h.StepAsync(TimeSpan.FromMinutes(1));
        h.Metrics.Set("cost_spike", true, 99, ("project", "project-a"));
        await h.StepAsync(TimeSpan.FromMinutes(1)); // a new breach after it cleared fires again
        await Eventually.TrueAsync(() => Task.FromResult(h.Fired.Count(f => f.Fingerprint == fingerprint) == 2), TimeSpan.FromSeconds(10), "fired again");
    }

    [Fact]
    public async Task Acknowledging_an_unknown_or_pending_alert_is_a_clear_error()
    {
        await using var h = await EngineHarness.StartAsync(NoWait);
        h.Metrics.Set("hallucination_rate", true, 0.2, ("project", "project-a"));
        await h.StepAsync(TimeSpan.Zero);
        using var admin = h.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync("/api/alerts/0123456789abcdef/acknowledge", new { })).StatusCode);
        var pending = h.Engine.Alerts.Single().Status.Fingerprint;
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync($"/api/alerts/{pending}/acknowledge", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync($"/api/alerts/{pending}/acknowledge", new { note = new string('x', 2_001) })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/alerts?state=burning")).StatusCode);
    }

    [Fact]
    public async Task Silences_are_validated_scoped_to_the_keys_project_and_expire_on_delete()
    {
        await using var h = await FiringAsync();
        using var a = h.Client(EngineHarness.ProjectKeyA);
        async Task<HttpStatusCode> Post(object body) => (await a.PostAsJsonAsync("/api/silences", body)).StatusCode;
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { matchers = Array.Empty<string>(), duration = "1h", comment = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { matchers = new[] { "severity=~\"(\"" }, duration = "1h", comment = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { matchers = new[] { "severity=\"warning\"" }, comment = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { matchers = new[] { "severity=\"warning\"" }, endsAt = h.Clock.Now.AddMinutes(-1), comment = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { matchers = new[] { "severity=\"warning\"" }, duration = "100d", comment = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { matchers = new[] { "severity=\"warning\"" }, duration = "1h" }));
        var badJson = await a.PostAsync("/api/silences", new StringContent("{\"matchers\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);

        // A project key silencing "everything warning" silences only its own project.
        var created = await a.PostAsJsonAsync("/api/silences", new { matchers = new[] { "severity=\"warning\"" }, duration = "1h", comment = "deploy", createdBy = "carol" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var silence = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["project=\"project-a\"", "severity=\"warning\""], silence.GetProperty("matchers").EnumerateArray().Select(m => m.GetString()));
        await h.StepAsync(TimeSpan.FromSeconds(1));
        Assert.True(h.Engine.Alerts.Single(v => v.ProjectId == "project-a").Silenced);
        Assert.False(h.Engine.Alerts.Single(v => v.ProjectId == "project-b").Silenced);

        using var b = h.Client(EngineHarness.ProjectKeyB);
        var id = silence.GetProperty("id").GetString();
        Assert.Empty((await b.GetFromJsonAsync<JsonElement>("/api/silences")).GetProperty("data").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/api/silences/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync($"/api/silences/{id}")).StatusCode);
        await h.StepAsync(TimeSpan.FromSeconds(1));
        Assert.False(h.Engine.Alerts.Single(v => v.ProjectId == "project-a").Silenced);
        var all = await a.GetFromJsonAsync<JsonElement>("/api/silences?includeExpired=true");
        Assert.Equal("expired", Assert.Single(all.GetProperty("data").EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Rules_are_created_from_json_or_yaml_checked_like_the_file_and_file_rules_stay_read_only()
    {
        await using var h = await EngineHarness.StartAsync(NoWait);
        using var admin = h.Client();
        const string json = """
            { "name": "error_rate_high", "metric": { "name": "error_rate", "window": "10m", "by": ["project"] },
              "condition": { "threshold": { "op": ">", "value": 0.2 } },
              "labels": { "severity": "warning" }, "annotations": { "summary": "Errors {{ $value | percent }}" } }
            """;
        var created = await admin.PostAsync("/api/rules?interval=30s", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("api", "30s", "threshold"), (rule.GetProperty("source").GetString(), rule.GetProperty("interval").GetString(),
            rule.GetProperty("condition").GetProperty("kind").GetString()));

        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync("/api/rules", new StringContent(json, Encoding.UTF8, "application/json"))).StatusCode);
        const string yaml = """
            name: error_rate_high
            metric: { name: error_rate, window: 5m }
            condition: { threshold: { op: ">", value: 0.5 } }
            labels: { severity: critical }
            annotations: { summary: "Errors" }
            """;
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/rules/error_rate_high", new StringContent(yaml, Encoding.UTF8, "application/yaml"))).StatusCode);

        var invalid = await admin.PostAsync("/api/rules", new StringContent("""{ "name": "x", "metric": { "name": "cost", "window": "1q" }, "colour": 1 }""",
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = await invalid.Content.ReadAsStringAsync();
        Assert.Contains("colour", problem);
        Assert.Contains("1q", problem);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await admin.PostAsync("/api/rules", new StringContent(json, Encoding.UTF8, "text/csv"))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await admin.PostAsync("/api/rules",
            new StringContent(new string(' ', 70_000) + json, Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/api/rules?interval=1s", new StringContent(json, Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.DeleteAsync("/api/rules/cost_spike")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/rules/nope")).StatusCode);

        using var a = h.Client(EngineHarness.ProjectKeyA);
        Assert.Equal(HttpStatusCode.Forbidden, (await a.PostAsync("/api/rules", new StringContent(json, Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await a.DeleteAsync("/api/rules/error_rate_high")).StatusCode);

        // Evaluated like file rules, and survives a restart.
        h.Metrics.Set("error_rate_high", true, 0.7);
        await h.StepAsync(TimeSpan.FromMinutes(1));
        Assert.Contains(h.Engine.Alerts, v => v.Status.RuleName == "error_rate_high" && v.RuleSource == "api");
        await h.StopAsync();
        await using var again = await EngineHarness.StartAsync(restartOf: h);
        using var admin2 = again.Client();
        var reloaded = await admin2.GetFromJsonAsync<JsonElement>("/api/rules/error_rate_high");
        Assert.Equal("critical", reloaded.GetProperty("labels").GetProperty("severity").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await admin2.DeleteAsync("/api/rules/error_rate_high")).StatusCode);
        await Eventually.TrueAsync(() => Task.FromResult(again.Resolved.Any(r => r.RuleName == "error_rate_high" && r.ResolvedBy!.StartsWith("rule deleted"))),
            TimeSpan.FromSeconds(10), "the deleted rule's alert resolved");
    }

    [Fact]
    public async Task The_rule_list_shows_each_series_value_against_its_threshold_and_hides_other_projects()
    {
        await using var h = await FiringAsync();
        using var a = h.Client(EngineHarness.ProjectKeyA);
        var rule = await a.GetFromJsonAsync<JsonElement>("/api/rules/cost_spike");
        var series = Assert.Single(rule.GetProperty("series").EnumerateArray());
        Assert.Equal("project-a", series.GetProperty("labels").GetProperty("project").GetString());
        Assert.Equal(42, series.GetProperty("value").GetDouble());
        Assert.True(series.GetProperty("holds").GetBoolean());
        Assert.Equal("file", rule.GetProperty("source").GetString());

        // A rule written for another project is not this key's business.
        using var admin = h.Client();
        const string other = """
            { "name": "beta_errors", "metric": { "name": "error_rate", "window": "10m", "filters": { "project": "project-b" } },
              "condition": { "threshold": { "op": ">", "value": 0.2 } }, "labels": { "severity": "warning" }, "annotations": { "summary": "x" } }
            """;
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/rules", new StringContent(other, Encoding.UTF8, "application/json"))).StatusCode);
        var names = (await a.GetFromJsonAsync<JsonElement>("/api/rules")).GetProperty("data").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ToList();
        Assert.Contains("cost_spike", names);
        Assert.DoesNotContain("beta_errors", names);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync("/api/rules/beta_errors")).StatusCode);
        using var b = h.Client(EngineHarness.ProjectKeyB);
        Assert.Equal(HttpStatusCode.OK, (await b.GetAsync("/api/rules/beta_errors")).StatusCode);
    }
}
