using LlmOps.Alerting.Features.Receivers;
using LlmOps.Testing;

namespace LlmOps.Alerting.Tests.Receivers;

public class SlackSenderTests
{
    [Fact]
    public async Task A_firing_group_posts_a_text_with_the_count_summaries_and_runbook_and_200_is_delivered()
    {
        await using var receiver = await PageReceiver.StartAsync();
        var env = new Dictionary<string, string> { ["SLACK_URL"] = receiver.Url("/services/T000/B000/XXXX") };
        var sender = new SlackSender("team-slack", new SlackConfig { WebhookUrlEnv = "SLACK_URL", Channel = "#llmops-alerts" }, new HttpClient(),
            Samples.Policy([]), env.GetValueOrDefault);

        var result = await sender.SendAsync(Samples.Firing(Samples.Alert("f1", "Cost spike acme $412"), Samples.Alert("f2", "Cost spike beta $90")),
            TestContext.Current.CancellationToken);

        Assert.True(result.Delivered);
        Assert.Equal(200, result.LastStatusCode);
        var body = Samples.Json(receiver.RequestsTo("/services/T000/B000/XXXX").Single().Body);
        Assert.Equal(["text", "channel"], Samples.Names(body));
        var text = body.GetProperty("text").GetString()!;
        Assert.Contains("[FIRING:2]", text);
        Assert.Contains("cost-spike", text);
        Assert.Contains("Cost spike acme $412", text);
        Assert.Contains("Cost spike beta $90", text);
        Assert.Contains("<https://runbooks.example/cost-spike|runbook>", text);
        Assert.Contains("<https://console.example/projects/acme/alerts|Open in the console>", text);
    }

    [Fact]
    public void A_resolved_group_says_resolved_and_alert_text_cannot_forge_links()
    {
        var text = SlackSender.Text(Samples.Firing(Samples.Alert("f1", "<https://evil.example|click> & more", endsAt: Samples.Started.AddHours(1))));

        Assert.StartsWith(":white_check_mark: *[RESOLVED:1]* cost-spike", text);
        Assert.Contains("&lt;https://evil.example|click&gt; &amp; more", text);
    }

    [Fact]
    public async Task A_429_from_Slack_honours_Retry_After()
    {
        await using var receiver = await PageReceiver.StartAsync();
        receiver.Script("/hook", ScriptedAnswer.RetryAfter(429, "7"), 200);
        var waits = new List<TimeSpan>();
        var env = new Dictionary<string, string> { ["SLACK_URL"] = receiver.Url("/hook") };
        var sender = new SlackSender("s", new SlackConfig { WebhookUrlEnv = "SLACK_URL" }, new HttpClient(), Samples.Policy(waits), env.GetValueOrDefault);

        var result = await sender.SendAsync(Samples.Firing(), TestContext.Current.CancellationToken);

        Assert.True(result.Delivered);
        Assert.Equal([TimeSpan.FromSeconds(7)], waits);
    }
}
