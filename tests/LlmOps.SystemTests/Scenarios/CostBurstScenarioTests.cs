using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Testing;
using OpenAI.Chat;
using RabbitMQ.Client;

namespace LlmOps.SystemTests.Scenarios;

/// <summary>
/// Issue #11, money on six processes: a project with a day budget, a burst of expensive SDK requests through the
/// gateway, priced by cost-accountant and seen by alerting as a cost burst — paged, and announced as a CloudEvent to a
/// plain RabbitMQ subscriber — until the budget runs out and the gateway refuses with OpenAI's own quota error.
/// </summary>
[Collection(ScenarioCollection.Name)]
public class CostBurstScenarioTests(ScenarioFixture fixture)
{
    /// <summary>About thirty answers of 1,000 output tokens from sim-large ($10 per million output tokens).</summary>
    private const decimal Budget = 0.30m;
    private const int OutputTokens = 1_000;
    private const int MaxRequests = 60;

    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public async Task A_burst_of_expensive_requests_pages_a_cost_burst_sends_a_cloudevent_and_ends_in_insufficient_quota_at_the_budget()
    {
        try
        {
            await RunAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{ex}\n\n{Platform.Tails()}");
        }
    }

    private async Task RunAsync()
    {
        var project = "burst-" + Guid.NewGuid().ToString("N")[..8];
        var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
        await Platform.WaitForKeyAsync(key);
        await using var subscriber = await AlertTopicSubscriber.BindAsync(Platform.VirtualHost, "oncall-bridge-" + project);

        using (var admin = Platform.Admin(ServiceProcesses.CostAccountant))
        {
            var created = await admin.PostAsJsonAsync("/api/budgets", new { projectId = project, scope = "project", period = "day", amount = Budget });
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }
        using var costs = Platform[ServiceProcesses.CostAccountant].CreateClient(key);

        // The burst, one request after another as a runaway agent loop sends them, until the gateway says no.
        var gateway = new GatewayHeaders();
        var chat = gateway.ChatClient(Platform[ServiceProcesses.InferenceProxy].BaseAddress, key, "sim-large");
        var options = new ChatCompletionOptions { MaxOutputTokenCount = OutputTokens };
        ClientResultException? refusal = null;
        var admitted = 0;
        while (refusal is null && admitted < MaxRequests)
        {
            try
            {
                var answer = await chat.CompleteChatAsync([new UserChatMessage($"Summarise the quarterly report, part {admitted}. [[sim:tokens={OutputTokens}]]")],
                    options);
                Assert.Equal(OutputTokens, answer.Value.Usage.OutputTokenCount);
                admitted++;
            }
            catch (ClientResultException ex)
            {
                refusal = ex;
            }
        }

        // Refused as OpenAI refuses a spent account, read by the official SDK: 429 insufficient_quota.
        Assert.NotNull(refusal);
        Assert.Equal(429, refusal.Status);
        Assert.Equal("insufficient_quota", JsonNode.Parse(refusal.GetRawResponse()!.Content.ToString())!["error"]!["code"]!.GetValue<string>());
        // Refused at the budget, not before: each answer costs about a cent, so most of the thirty cents went through.
        Assert.InRange(admitted, 20, 30);

        // Every admitted request was priced once, by its inference id, and the ledger stays within the budget.
        var traceIds = gateway.Answers.Select(a => a.TraceId).ToList();
        Assert.Equal(admitted, traceIds.Count);
        Assert.Equal(admitted, traceIds.Distinct().Count());
        using var collector = Platform[ServiceProcesses.TraceCollector].CreateClient(key);
        var inferenceIds = new List<Guid>();
        foreach (var traceId in traceIds)
        {
            var (trace, _) = await TraceApi.WaitAsync(collector, traceId);
            var generation = Assert.Single(trace["observations"]!.AsArray(), o => o!["inferenceId"] is not null)!;
            inferenceIds.Add(generation["inferenceId"]!.GetValue<Guid>());
        }
        var query = string.Join('&', inferenceIds.Select(id => $"id={id}"));
        var priced = await Eventually.UntilAsync(async () =>
        {
            var data = JsonNode.Parse(await costs.GetStringAsync($"/api/costs/inferences?{query}"))!["data"]!.AsArray();
            return data.Count == inferenceIds.Count ? data : null;
        }, TimeSpan.FromSeconds(30), $"{admitted} priced requests");
        Assert.Equal(inferenceIds.Order(), priced.Select(c => c!["inferenceId"]!.GetValue<Guid>()).Order());
        Assert.All(priced, c => Assert.True(c!["priced"]!.GetValue<bool>() && c["cost"]!.GetValue<decimal>() > 0.009m, c.ToJsonString()));
        var spent = priced.Sum(c => c!["cost"]!.GetValue<decimal>());
        Assert.InRange(spent, Budget * 2 / 3, Budget);

        // cost-accountant announced the exhaustion, and the next request is refused too.
        var budget = await Eventually.UntilAsync(async () =>
        {
            var data = JsonNode.Parse(await costs.GetStringAsync("/api/budgets"))!["data"]!.AsArray();
            var only = Assert.Single(data)!;
            return only["exhausted"]!.GetValue<bool>() ? only : null;
        }, TimeSpan.FromSeconds(30), "the budget marked exhausted");
        var crossed = budget["thresholdsCrossed"]!.AsArray().Select(t => t!.GetValue<double>()).ToList();
        Assert.Contains(50.0, crossed);
        Assert.Contains(80.0, crossed);
        // (The gateway enforces through its leases, not the announcement: a request whose worst case fits in the few
        // cents left would still pass. The burst's next request does not.)
        var next = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(
            [new UserChatMessage($"Summarise the quarterly report, part {admitted}. [[sim:tokens={OutputTokens}]]")], options));
        Assert.Equal(429, next.Status);
        Assert.Equal("insufficient_quota", JsonNode.Parse(next.GetRawResponse()!.Content.ToString())!["error"]!["code"]!.GetValue<string>());

        // On-call was paged once about this project's burst.
        var dedupKey = $"llmops/cost_burst/project={project}";
        var pages = await Eventually.UntilAsync(() => Task.FromResult(PagerEvents.For(Platform.Pages, dedupKey) is { Count: > 0 } p ? p : null),
            TimeSpan.FromSeconds(30), "the cost_burst page");
        var page = Assert.Single(pages);
        Assert.Equal("trigger", page["event_action"]!.GetValue<string>());
        Assert.Equal("warning", page["payload"]!["severity"]!.GetValue<string>());
        Assert.StartsWith($"Cost burst in {project}: $", page["payload"]!["summary"]!.GetValue<string>());
        Assert.Equal("docs/runbooks/cost-spike.md", page["payload"]!["custom_details"]!["runbook_url"]!.GetValue<string>());

        // The customer's subscriber got the same alert as a CloudEvent 1.0, persistent, exactly once.
        var events = await Eventually.UntilAsync(async () =>
        {
            var mine = (await subscriber.ReceivedAsync()).Where(d => d.Event.GetProperty("data").GetProperty("projectId").GetString() == project).ToList();
            return mine.Count > 0 ? mine : null;
        }, TimeSpan.FromSeconds(30), "the alert as a CloudEvent on llmops.alerts");
        await Task.Delay(500); // a duplicate would have arrived by now
        events = (await subscriber.ReceivedAsync()).Where(d => d.Event.GetProperty("data").GetProperty("projectId").GetString() == project).ToList();
        var delivery = Assert.Single(events);
        Assert.Equal("application/cloudevents+json", delivery.ContentType);
        Assert.Equal(DeliveryModes.Persistent, delivery.DeliveryMode);
        var cloudEvent = delivery.Event;
        Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
        Assert.Equal("io.llmops.alert.fired", cloudEvent.GetProperty("type").GetString());
        Assert.Equal("/llmops/alerting", cloudEvent.GetProperty("source").GetString());
        Assert.Equal("application/json", cloudEvent.GetProperty("datacontenttype").GetString());
        Assert.False(string.IsNullOrEmpty(cloudEvent.GetProperty("id").GetString()));
        Assert.True(DateTimeOffset.TryParse(cloudEvent.GetProperty("time").GetString(), CultureInfo.InvariantCulture, out _));
        var data = cloudEvent.GetProperty("data");
        Assert.Equal("cost_burst", data.GetProperty("ruleName").GetString());
        Assert.Equal(project, data.GetProperty("projectId").GetString());
        Assert.True(data.GetProperty("value").GetDouble() > 0.1, "five minutes' cost is above the rule's $0.10");
        // The subject is the alert's fingerprint (what a subscriber deduplicates episodes on), not the project.
        Assert.Equal(data.GetProperty("fingerprint").GetString(), cloudEvent.GetProperty("subject").GetString());
    }
}
