using LlmOps.Alerting.Features.Metrics;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using static LlmOps.Alerting.Tests.Metrics.MetricSamples;

namespace LlmOps.Alerting.Tests.Metrics;

public class MetricConsumerTests
{
    [Fact]
    public async Task Single_and_batch_events_over_the_in_memory_bus_reach_the_store_once_each()
    {
        await using var host = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(AlertingExtensions.ServiceName);
                builder.AddAlertMetrics();
            },
            app => app.MapDefaultEndpoints(),
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["Alerting:Metrics:BatchWaitMs"] = "20",
            });
        var bus = host.Services.GetRequiredService<IBus>();
        var store = host.Services.GetRequiredService<MetricStore>();
        var now = DateTimeOffset.UtcNow;
        var cost = Cost(now, 1m);
        var inference = Inference(now, status: InferenceStatuses.UpstreamError);
        var score = Score(now, label: "hallucinated");

        await bus.Publish(cost);
        await bus.Publish(cost); // a redelivery
        await bus.Publish(new CostRecordedBatch { Costs = [Cost(now, 2m), Cost(now, null, priced: false)] });
        await bus.Publish(inference);
        await bus.Publish(new InferenceCompletedBatch { Inferences = [Inference(now), inference] });
        await bus.Publish(score);
        await bus.Publish(new ScoreRecordedBatch { Scores = [Score(now, label: "faithful"), score] });
        await bus.Publish(new BudgetThresholdCrossed { BudgetId = Guid.NewGuid(), ProjectId = "acme", Scope = BudgetScopes.Project, ScopeValue = "acme", PeriodStart = now, ThresholdPercent = 50, CrossedAt = now });
        await bus.Publish(new BudgetExhausted { BudgetId = Guid.NewGuid(), ProjectId = "acme", Scope = BudgetScopes.Project, ScopeValue = "acme", PeriodStart = now, ExhaustedAt = now });
        await bus.Publish(new EvaluatorProgressReported { Instance = "e1", Lane = "judge", LagSeconds = 42, IntervalSeconds = 15, ReportedAt = now });

        double? Value(AlertRule rule) => store.Observe(rule, DateTimeOffset.UtcNow) is [var only] ? only.Result.Value : null;
        await Eventually.TrueAsync(() => Task.FromResult(
                Value(Rule(MetricKind.Cost, "5m", Above(0))) == 3
                && Value(Rule(MetricKind.UnpricedModel, "5m", Above(0))) == 1
                && Value(Rule(MetricKind.ErrorRate, "5m", Above(0))) == 0.5
                && Value(Rule(MetricKind.ScoreRate, "5m", Above(0), m => m with { Score = "hallucination", ScoreLabel = "hallucinated" })) == 0.5
                && Value(Rule(MetricKind.BudgetEvent, "5m", Above(0))) == 2
                && Value(Rule(MetricKind.EvaluatorLag, "5m", Above(0))) == 42),
            TimeSpan.FromSeconds(30), "every event in the metric store");
    }

    [Fact]
    public async Task A_management_url_that_is_not_http_fails_the_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(AlertingExtensions.ServiceName);
                builder.AddAlertMetrics();
            },
            app => app.MapDefaultEndpoints(),
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["Alerting:Metrics:ManagementUrl"] = "rabbitmq:15672",
            }));

        Assert.Contains("ManagementUrl", error.Message);
    }
}
