using System.Text.Json.Nodes;
using LlmOps.Testing;
using OpenAI.Chat;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// Reliability scenario 6's other half on the six processes: PagerDuty answers 400 (Events v2: the event is invalid, do not
/// retry). One attempt, the failure on the alert's record, alerting still healthy, and the next alert pages as usual.
/// </summary>
[Collection(FaultsCollection.Name)]
public class RefusedPageTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private const string Refused = "refused_spend";
    private const string After = "after_refused_spend";

    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public Task Pager_answering_400_gets_one_attempt_the_failure_shows_on_the_alert_and_the_next_alert_pages_normally() =>
        Promises.WithTailsAsync(Platform, async () =>
        {
            var pages = Platform.Pages;
            pages.Reset();
            pages.Script(PageReceiver.PagerDutyPath,
                new ScriptedAnswer(400, """{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect"]}"""));
            using var alerting = Platform.Admin(ServiceProcesses.Alerting);

            await SpendAsync(FaultsFixture.RefusedProject);
            var refused = await Eventually.UntilAsync(() => Task.FromResult(PagerEvents.Of(pages, Refused).FirstOrDefault()),
                TimeSpan.FromSeconds(60), $"{Refused}'s page");
            Assert.Equal(400, refused.Request.AnsweredStatus);
            Assert.Equal("trigger", refused.Action);

            var fingerprint = await FingerprintAsync(alerting, Refused);
            var delivery = await Eventually.UntilAsync(async () =>
                    JsonNode.Parse(await alerting.GetStringAsync($"/api/alerts/{fingerprint}"))!["deliveries"]!.AsArray().FirstOrDefault(),
                TimeSpan.FromSeconds(30), $"the refused delivery on {Refused}'s record");
            output.WriteLine($"delivery: {delivery.ToJsonString()}");
            Assert.False(delivery["delivered"]!.GetValue<bool>());
            Assert.Equal(1, delivery["attempts"]!.GetValue<int>());
            Assert.Equal(400, delivery["httpStatus"]!.GetValue<int>());
            Assert.Contains("routing_key", delivery["error"]!.GetValue<string>());

            // Past the engine's backoff for failed deliveries (3 s here) and the retry policy's steps, with the alert still
            // firing: PagerDuty said the event is invalid, and the same event would be refused again.
            await Task.Delay(TimeSpan.FromSeconds(8));
            Assert.Single(PagerEvents.Of(pages, Refused));
            var alert = JsonNode.Parse(await alerting.GetStringAsync($"/api/alerts/{fingerprint}"))!;
            Assert.Equal("firing", alert["alert"]!["state"]!.GetValue<string>());
            Assert.Single(alert["deliveries"]!.AsArray());
            await Promises.WaitReadinessAsync(Platform[ServiceProcesses.Alerting], healthy: true, TimeSpan.FromSeconds(10));

            // The receiver answers 202 again (the script is spent): the next alert pages at the first attempt.
            await SpendAsync(FaultsFixture.AfterRefusedProject);
            var accepted = await Eventually.UntilAsync(() => Task.FromResult(PagerEvents.Of(pages, After).FirstOrDefault()),
                TimeSpan.FromSeconds(60), $"{After}'s page");
            Assert.Equal(202, accepted.Request.AnsweredStatus);
            Assert.Equal("trigger", accepted.Action);
            Assert.Contains(FaultsFixture.AfterRefusedProject, accepted.Event["payload"]!["summary"]!.GetValue<string>());
            var afterFingerprint = await FingerprintAsync(alerting, After);
            var afterDelivery = await Eventually.UntilAsync(async () =>
                    JsonNode.Parse(await alerting.GetStringAsync($"/api/alerts/{afterFingerprint}"))!["deliveries"]!.AsArray().FirstOrDefault(),
                TimeSpan.FromSeconds(30), $"the delivery on {After}'s record");
            Assert.True(afterDelivery["delivered"]!.GetValue<bool>());
            Assert.Equal(1, afterDelivery["attempts"]!.GetValue<int>());

            foreach (var request in pages.RequestsTo(PageReceiver.PagerDutyPath))
                output.WriteLine($"{request.AnsweredStatus}: {request.Body}");
            Assert.Single(PagerEvents.Of(pages, Refused));
            Assert.Single(PagerEvents.Of(pages, After));
        });

    private async Task SpendAsync(string project)
    {
        var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
        await Platform.WaitForKeyAsync(key);
        var chat = new GatewayHeaders().ChatClient(Platform[ServiceProcesses.InferenceProxy].BaseAddress, key, "sim-small");
        await chat.CompleteChatAsync([new UserChatMessage($"{project} spends a little [[sim:tokens=20]]")]);
    }

    /// <summary>The rule's one alert; waited for, since the page can arrive before the step that sent it lists the alert.</summary>
    private static async Task<string> FingerprintAsync(HttpClient alerting, string rule)
    {
        await Eventually.UntilAsync(async () =>
                JsonNode.Parse(await alerting.GetStringAsync($"/api/alerts?rule={rule}"))!["data"]!.AsArray().FirstOrDefault(),
            TimeSpan.FromSeconds(10), $"{rule}'s alert on /api/alerts");
        var alerts = JsonNode.Parse(await alerting.GetStringAsync($"/api/alerts?rule={rule}"))!["data"]!.AsArray();
        return Assert.Single(alerts)!["fingerprint"]!.GetValue<string>();
    }
}
