using System.ClientModel;
using System.Text.Json.Nodes;
using LlmOps.Testing;
using OpenAI;
using OpenAI.Chat;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// Reliability scenario 6 on the six processes: a real alert (the drill project spends money through the gateway, cost-accountant
/// prices it, alerting's rule fires) meets a PagerDuty that answers 500, then 429 with Retry-After, then 202.
/// </summary>
[Collection(FaultsCollection.Name)]
public class FailingPagerTests(FaultsFixture fixture, ITestOutputHelper output)
{
    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public Task Pager_answering_500_then_429_then_202_gets_the_incident_once_after_it_recovers_and_never_again() =>
        Promises.WithTailsAsync(Platform, async () =>
        {
            var pages = Platform.Pages;
            pages.Reset();
            pages.Script(PageReceiver.PagerDutyPath, 500, ScriptedAnswer.RetryAfter(429, "1"), 202);

            var (_, key) = await Platform.CreateProjectWithKeyAsync(FaultsFixture.PagedProject);
            await Platform.WaitForKeyAsync(key);
            var chat = new ChatClient("sim-small", new ApiKeyCredential(key),
                new OpenAIClientOptions { Endpoint = new Uri(Platform[ServiceProcesses.InferenceProxy].BaseAddress, "v1") });
            await chat.CompleteChatAsync([new UserChatMessage("spend a little [[sim:tokens=20]]")]);

            await Eventually.TrueAsync(() => Task.FromResult(PagerEvents.Of(pages, "drill_spend").Any(e => e.Request.Accepted)),
                TimeSpan.FromSeconds(60), "a page PagerDuty accepted");
            // Long enough for a duplicate to show: two more of the retry policy's steps and a few engine ticks.
            await Task.Delay(TimeSpan.FromSeconds(4));

            var requests = PagerEvents.Of(pages, "drill_spend").Select(e => e.Request).ToList();
            foreach (var request in requests)
                output.WriteLine($"{request.AnsweredStatus}: {request.Body}");
            Assert.Equal([500, 429, 202], requests.Select(r => r.AnsweredStatus));
            var events = requests.Select(r => JsonNode.Parse(r.Body)!).ToList();
            Assert.All(events, e =>
            {
                Assert.Equal("trigger", e["event_action"]!.GetValue<string>());
                Assert.Equal("system-test-routing-key", e["routing_key"]!.GetValue<string>());
                Assert.Contains(FaultsFixture.PagedProject, e["payload"]!["summary"]!.GetValue<string>());
            });
            // One incident: every attempt is the same event, under one dedup key.
            Assert.Single(events.Select(e => e["dedup_key"]!.GetValue<string>()).Distinct());

            using var alerting = Platform.Admin(ServiceProcesses.Alerting);
            var alerts = JsonNode.Parse(await alerting.GetStringAsync("/api/alerts?rule=drill_spend"))!["data"]!.AsArray();
            Assert.Single(alerts);
        });
}
