using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.Testing;

namespace LlmOps.SystemTests.Scenarios;

/// <summary>
/// Issue #11, the shipped 7-day <c>cost_spike</c> rule on six processes. A project's last week of traffic reaches the
/// platform as gateway events with their own completion times (as a gateway replica's spool replays them after an
/// outage, or another installation's history is re-published), is priced by cost-accountant and kept by alerting per
/// day; then a day at four times the week's mean pages on-call once, with the numbers an engineer checks the ledger
/// against.
/// </summary>
[Collection(ScenarioCollection.Name)]
public class CostSpikeScenarioTests(ScenarioFixture fixture)
{
    /// <summary>sim-large costs $10 per million output tokens: $5 a day for the last seven days, then $20 today.</summary>
    private const long DailyOutputTokens = 500_000;
    private const long TodayOutputTokens = 2_000_000;

    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public async Task A_day_at_four_times_the_weeks_mean_pages_the_shipped_cost_spike_rule_once_and_the_ledger_shows_the_same_days()
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
        var project = "spike-" + Guid.NewGuid().ToString("N")[..8];
        var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
        var dedupKey = $"llmops/cost_spike/project={project}";
        var now = DateTimeOffset.UtcNow;
        // Midday of each of the last seven days, two events a day.
        var history = Enumerable.Range(1, 7)
            .SelectMany(day => new[] { 0, 1 }.Select(half => Inference(project, now.UtcDateTime.Date.AddDays(-day).AddHours(11 + half), DailyOutputTokens / 2)))
            .ToList();
        await TestInfrastructure.PublishContractAsync(Platform.VirtualHost, new InferenceCompletedBatch { Inferences = history });

        using var costs = Platform[ServiceProcesses.CostAccountant].CreateClient(key);
        var from = now.UtcDateTime.Date.AddDays(-7).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        var days = await Eventually.UntilAsync(async () =>
        {
            var series = await DailyCostsAsync(costs, from);
            return series.Count == 7 ? series : null;
        }, TimeSpan.FromSeconds(60), "the week priced by cost-accountant");
        Assert.All(days, d => Assert.Equal(5.0m, d.Value));

        // A week of $5 days and nothing today: no page (the rule evaluates every second; give it several).
        await Task.Delay(3_000);
        Assert.Empty(PagerEvents.For(Platform.Pages, dedupKey));

        // Today: $20, four times the mean and above the rule's $10 floor.
        var today = Enumerable.Range(0, 4).Select(i => Inference(project, now.AddMinutes(-10 + i), TodayOutputTokens / 4)).ToList();
        await TestInfrastructure.PublishContractAsync(Platform.VirtualHost, new InferenceCompletedBatch { Inferences = today });

        var pages = await Eventually.UntilAsync(() => Task.FromResult(PagerEvents.For(Platform.Pages, dedupKey) is { Count: > 0 } p ? p : null),
            TimeSpan.FromSeconds(60), "the cost_spike page");
        var page = Assert.Single(pages);
        Assert.Equal("trigger", page["event_action"]!.GetValue<string>());
        Assert.Equal("warning", page["payload"]!["severity"]!.GetValue<string>());
        Assert.Equal($"Cost spike in {project}: $20.00 today, more than 2x the 7-day daily mean", page["payload"]!["summary"]!.GetValue<string>());
        Assert.Equal("docs/runbooks/cost-spike.md", page["payload"]!["custom_details"]!["runbook_url"]!.GetValue<string>());

        // The ledger agrees with the page: eight days, seven at $5 and today at $20.
        var ledger = await DailyCostsAsync(costs, from);
        Assert.Equal([.. Enumerable.Repeat(5.0m, 7), 20.0m], ledger.Select(d => d.Value).ToList());

        // The alert keeps firing (keep_firing_for 1h) without paging again.
        await Task.Delay(3_000);
        Assert.Single(PagerEvents.For(Platform.Pages, dedupKey));
        using var alerts = Platform[ServiceProcesses.Alerting].CreateClient(key);
        var firing = JsonNode.Parse(await alerts.GetStringAsync("/api/alerts?state=firing"))!["data"]!.AsArray();
        var alert = Assert.Single(firing, a => a!["rule"]!.GetValue<string>() == "cost_spike")!;
        Assert.Equal(20.0, alert["value"]!.GetValue<double>(), 3);
    }

    /// <summary>Cost per day since <paramref name="from"/>, oldest first, rounded to cents.</summary>
    private static async Task<List<KeyValuePair<string, decimal>>> DailyCostsAsync(HttpClient costs, string from)
    {
        var body = JsonNode.Parse(await costs.GetStringAsync($"/api/costs?from={from}&interval=day"))!;
        return body["data"]!.AsArray()
            .Select(b => new KeyValuePair<string, decimal>(b!["bucket"]!.ToJsonString(), Math.Round(b["totals"]!["cost"]!.GetValue<decimal>(), 2)))
            .OrderBy(b => b.Key, StringComparer.Ordinal)
            .ToList();
    }

    private static InferenceCompleted Inference(string project, DateTimeOffset completedAt, long outputTokens) => new()
    {
        InferenceId = Guid.NewGuid(),
        ProjectId = project,
        TraceId = Guid.NewGuid().ToString("N"),
        SpanId = Guid.NewGuid().ToString("N")[..16],
        RequestedModel = "sim-large",
        ServedModel = "sim-large",
        Usage = new TokenUsage { InputTokens = 0, OutputTokens = outputTokens },
        StartedAt = completedAt.AddSeconds(-30),
        CompletedAt = completedAt,
        LatencyMs = 30_000,
        Status = InferenceStatuses.Success,
        Feature = "report-writer",
    };
}
