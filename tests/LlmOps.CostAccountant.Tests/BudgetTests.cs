using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.CostAccountant.Tests;

/// <summary>Budgets: thresholds and exhaustion announced once each as spend accrues; raising the amount restores; the API.</summary>
public class BudgetTests : IAsyncLifetime
{
    private const string KeyOfA = "budget-project-a-key-0123456789";
    private const string KeyOfB = "budget-project-b-key-0123456789";
    private TestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await CostHost.StartAsync(KeyOfA, KeyOfB);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private IEnumerable<T> Captured<T>() where T : class => _host.Services.GetRequiredService<MessageCapture<T>>().Messages;

    /// <summary>Spends <paramref name="dollars"/> on gpt-4o output tokens (USD 10 per million) for a feature of project-a.</summary>
    private async Task SpendAsync(decimal dollars, string feature = "chat")
    {
        var inference = new InferenceCompleted
        {
            InferenceId = Guid.CreateVersion7(), ProjectId = "project-a", Feature = feature, KeyId = "k", TraceId = Guid.NewGuid().ToString("N"),
            SpanId = "0123456789abcdef", RequestedModel = "gpt-4o", Provider = "openai",
            Usage = new TokenUsage { OutputTokens = (long)(dollars * 100_000m) },
            StartedAt = DateTimeOffset.UtcNow.AddSeconds(-1), CompletedAt = DateTimeOffset.UtcNow, Status = InferenceStatuses.Success,
        };
        await _host.Services.GetRequiredService<BoundedPublisher>().PublishAsync(inference, CancellationToken.None);
        var recorded = _host.Services.GetRequiredService<MessageCapture<CostRecorded>>().Messages;
        await Eventually.TrueAsync(() => Task.FromResult(recorded.Any(r => r.InferenceId == inference.InferenceId)), TimeSpan.FromSeconds(15), "the cost");
    }

    private async Task<Guid> CreateAsync(object budget)
    {
        var response = await _host.CreateClient().PostAsJsonAsync("/api/budgets", budget);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>();
    }

    [Fact]
    public async Task Each_threshold_and_exhaustion_are_announced_once_as_spend_accrues_and_raising_the_amount_restores()
    {
        var id = await CreateAsync(new { projectId = "project-a", scope = "feature", scopeValue = "chat", period = "day", amount = 10m, thresholds = new[] { 50.0, 80.0, 100.0 } });

        await SpendAsync(4m);                   // 40 %: nothing yet
        await SpendAsync(2m);                   // 60 %: 50 crossed
        await SpendAsync(1m, feature: "other"); // another feature: not this budget
        await SpendAsync(3m);                   // 90 %: 80 crossed
        await SpendAsync(2m);                   // 110 %: 100 crossed, exhausted
        await SpendAsync(1m);                   // still exhausted: nothing new

        await Eventually.TrueAsync(() => Task.FromResult(Captured<BudgetExhausted>().Any(e => e.BudgetId == id)), TimeSpan.FromSeconds(15), "exhaustion");
        await Task.Delay(300);
        var crossed = Captured<BudgetThresholdCrossed>().Where(c => c.BudgetId == id).Select(c => c.ThresholdPercent).ToList();
        Assert.Equal([50.0, 80.0, 100.0], crossed);
        var exhausted = Assert.Single(Captured<BudgetExhausted>(), e => e.BudgetId == id);
        Assert.Equal((10m, 11m, "feature", "chat"), (exhausted.Amount, exhausted.Spent, exhausted.Scope, exhausted.ScopeValue));

        var raised = await _host.CreateClient().PatchAsJsonAsync($"/api/budgets/{id}", new { amount = 20m });

        Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
        await Eventually.TrueAsync(() => Task.FromResult(Captured<BudgetRestored>().Any(r => r.BudgetId == id)), TimeSpan.FromSeconds(15), "the restore");
        var restored = Assert.Single(Captured<BudgetRestored>(), r => r.BudgetId == id);
        Assert.Equal("amount_raised", restored.Reason);
        var view = JsonNode.Parse(await _host.CreateClient(KeyOfA).GetStringAsync("/api/budgets"))!["data"]!.AsArray().Single()!;
        Assert.False(view["exhausted"]!.GetValue<bool>());
        Assert.Equal(12m, view["spent"]!.GetValue<decimal>());
        Assert.Empty(JsonNode.Parse(await _host.CreateClient(KeyOfB).GetStringAsync("/api/budgets"))!["data"]!.AsArray());
    }

    [Fact]
    public async Task Deleting_an_exhausted_budget_restores_its_scope_first()
    {
        await SpendAsync(3m, feature: "batch");
        var id = await CreateAsync(new { projectId = "project-a", scope = "feature", scopeValue = "batch", period = "month", amount = 1m });
        // Published (and confirmed) before the API answered, but delivered to the test's capture asynchronously.
        await Eventually.TrueAsync(() => Task.FromResult(Captured<BudgetExhausted>().Any(e => e.BudgetId == id)), TimeSpan.FromSeconds(15), "exhaustion");
        Assert.Single(Captured<BudgetExhausted>(), e => e.BudgetId == id);

        var deleted = await _host.CreateClient().DeleteAsync($"/api/budgets/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Eventually.TrueAsync(() => Task.FromResult(Captured<BudgetRestored>().Any(r => r.BudgetId == id)), TimeSpan.FromSeconds(15), "the restore");
        Assert.Equal("budget_deleted", Assert.Single(Captured<BudgetRestored>(), r => r.BudgetId == id).Reason);
    }

    [Theory]
    [InlineData("""{"scope": "project", "period": "day", "amount": 5}""", "projectId")]
    [InlineData("""{"projectId": "project-a", "scope": "team", "period": "day", "amount": 5}""", "scope")]
    [InlineData("""{"projectId": "project-a", "scope": "user", "period": "day", "amount": 5}""", "scopeValue")]
    [InlineData("""{"projectId": "project-a", "period": "week", "amount": 5}""", "period")]
    [InlineData("""{"projectId": "project-a", "period": "rolling", "amount": 5}""", "rollingHours")]
    [InlineData("""{"projectId": "project-a", "period": "day", "amount": 0}""", "amount")]
    [InlineData("""{"projectId": "project-a", "period": "day", "amount": 5, "thresholds": [0]}""", "thresholds")]
    public async Task Invalid_budgets_are_refused_with_the_field_named(string json, string field)
    {
        var response = await _host.CreateClient().PostAsync("/api/budgets", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Only_the_admin_manages_budgets()
    {
        var response = await _host.CreateClient(KeyOfA).PostAsJsonAsync("/api/budgets", new { projectId = "project-a", period = "day", amount = 5m });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
