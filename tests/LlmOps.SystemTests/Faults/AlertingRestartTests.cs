using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// Reliability scenario 9 on the six processes: alerting is killed with SIGKILL while an alert it paged for keeps firing,
/// and started again, as a pod's controller would. The incident must be neither paged twice nor left open.
/// </summary>
[Collection(FaultsCollection.Name)]
public class AlertingRestartTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private const string Rule = "restart_spend";

    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public Task Alerting_killed_and_restarted_while_an_alert_fires_pages_the_incident_once_and_resolves_it_once() =>
        Promises.WithTailsAsync(Platform, async () =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            void Phase(string what) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.0} s] {what}");
            var pages = Platform.Pages;
            pages.Reset();
            var (_, key) = await Platform.CreateProjectWithKeyAsync(FaultsFixture.RestartProject);
            await Platform.WaitForKeyAsync(key);
            using var alerting = Platform.Admin(ServiceProcesses.Alerting);

            // The project keeps spending, so the rule's condition holds on every evaluation until the traffic stops.
            await using var traffic = SdkTraffic.Start(Platform, key, FaultsFixture.RestartProject, workers: 1);
            var trigger = await Eventually.UntilAsync(() => Task.FromResult(PagerEvents.Of(pages, Rule).FirstOrDefault(e => e.Request.Accepted)),
                TimeSpan.FromSeconds(60), $"{Rule}'s trigger page");
            Assert.Equal("trigger", trigger.Action);
            var firing = await FiringAlertAsync(alerting);
            var fingerprint = firing["fingerprint"]!.GetValue<string>();
            var firedAt = firing["firedAt"]!.GetValue<DateTimeOffset>();
            Phase($"paged ({trigger.DedupKey}), alert {fingerprint} fired at {firedAt:O}");

            // The page is in alerting's notification log (written with the delivery's record, after PagerDuty's 202): only
            // a crash before that write may repeat it, and that is at-least-once by design, not this scenario.
            await Eventually.TrueAsync(async () => (await DeliveriesAsync(alerting, fingerprint)).Any(d => d["delivered"]!.GetValue<bool>()),
                TimeSpan.FromSeconds(30), "the delivered page on the alert's record");

            await Platform[ServiceProcesses.Alerting].KillAsync();
            Phase("alerting killed");
            // The spending goes on while it is away: its cost events wait on its queue.
            await traffic.WaitForMoreAsync(4, TimeSpan.FromSeconds(30));
            await Platform.RestartAsync(ServiceProcesses.Alerting, TimeSpan.FromSeconds(120));
            Phase("alerting restarted and ready");

            // Several evaluations (the rule's interval is 1 s) with the condition still true, on the restarted process.
            await traffic.WaitForMoreAsync(20, TimeSpan.FromSeconds(60));
            var after = await FiringAlertAsync(alerting);
            Assert.Equal(fingerprint, after["fingerprint"]!.GetValue<string>());
            // The same episode, not a new one that fired again after the restart.
            // (To the millisecond: the restarted process read it back from PostgreSQL, which keeps microseconds.)
            var firedAfter = after["firedAt"]!.GetValue<DateTimeOffset>();
            Assert.True((firedAfter - firedAt).Duration() < TimeSpan.FromMilliseconds(1), $"fired at {firedAt:O}, after the restart {firedAfter:O}");
            Assert.Equal(["trigger"], PagerEvents.Of(pages, Rule).Select(e => e.Action));
            Phase($"still firing after the restart, {traffic.Succeeded} requests so far; one page");

            await traffic.StopAsync();
            Assert.Empty(traffic.Failures);
            Phase("spending stopped");
            // The window is the current minute, held 20 s more: the resolve comes within about a minute and a half.
            var resolve = await Eventually.UntilAsync(() => Task.FromResult(PagerEvents.Of(pages, Rule).FirstOrDefault(e => e.Action == "resolve")),
                TimeSpan.FromSeconds(150), $"{Rule}'s resolve page");
            Phase("resolve paged");
            // Long enough for a second resolve (or a re-trigger) to show: group_interval (2 s) and a few engine ticks.
            await Task.Delay(TimeSpan.FromSeconds(5));

            var events = PagerEvents.Of(pages, Rule);
            foreach (var e in events)
                output.WriteLine($"{e.Request.AnsweredStatus}: {e.Request.Body}");
            Assert.Equal(["trigger", "resolve"], events.Select(e => e.Action));
            Assert.All(events, e => Assert.Equal(trigger.DedupKey, e.DedupKey));
            Assert.True(resolve.Request.Accepted);

            var detail = JsonNode.Parse(await alerting.GetStringAsync($"/api/alerts/{fingerprint}"))!;
            Assert.Equal("resolved", detail["alert"]!["state"]!.GetValue<string>());
            var kinds = detail["history"]!.AsArray().Select(h => h!["kind"]!.GetValue<string>()).Order().ToList();
            Assert.Equal(["fired", "resolved"], kinds);
        });

    /// <summary>
    /// The rule's one alert, firing. Waited for: the page can reach PagerDuty before the engine's step that sent it has
    /// refreshed what <c>/api/alerts</c> lists (the delivery runs beside the step's database write).
    /// </summary>
    private static async Task<JsonNode> FiringAlertAsync(HttpClient alerting)
    {
        var alert = await Eventually.UntilAsync(async () =>
                JsonNode.Parse(await alerting.GetStringAsync($"/api/alerts?rule={Rule}"))!["data"]!.AsArray().FirstOrDefault(),
            TimeSpan.FromSeconds(10), $"{Rule}'s alert on /api/alerts");
        Assert.Single(JsonNode.Parse(await alerting.GetStringAsync($"/api/alerts?rule={Rule}"))!["data"]!.AsArray());
        Assert.Equal("firing", alert["state"]!.GetValue<string>());
        return alert;
    }

    private static async Task<IReadOnlyList<JsonNode>> DeliveriesAsync(HttpClient alerting, string fingerprint) =>
        JsonNode.Parse(await alerting.GetStringAsync($"/api/alerts/{fingerprint}"))!["deliveries"]!.AsArray().Select(d => d!).ToList();
}
