using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.CostAccountant.Tests;

/// <summary>Leases of budgets for gateway replicas, asked over the bus as the gateway asks.</summary>
public class BudgetLeaseTests : IAsyncLifetime
{
    private const string KeyOfA = "lease-project-a-key-0123456789ab";
    private const string KeyOfB = "lease-project-b-key-0123456789ab";
    private const long Dollar = 1_000_000_000;
    private TestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await CostHost.StartAsync(KeyOfA, KeyOfB);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task<Guid> CreateAsync(string project, decimal amount, string scope = "project", string? scopeValue = null)
    {
        var response = await _host.CreateClient().PostAsJsonAsync("/api/budgets", new { projectId = project, scope, scopeValue, period = "day", amount });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<Guid>();
    }

    private async Task<BudgetLeases> LeaseAsync(LeaseBudget request)
    {
        var client = _host.Services.GetRequiredService<IBus>().CreateRequestClient<LeaseBudget>(RequestTimeout.After(s: 10));
        return (await client.GetResponse<BudgetLeases>(request)).Message;
    }

    [Fact]
    public async Task Slices_granted_to_all_replicas_never_add_up_to_more_than_the_amount_and_a_returned_slice_gives_back_what_was_not_spent()
    {
        var id = await CreateAsync("project-a", 1m);
        var grants = new List<BudgetLease>();
        for (var i = 0; i < 25; i++)
            grants.Add((await LeaseAsync(new LeaseBudget { ProjectId = "project-a", ReplicaId = $"replica-{i % 3}" })).Budgets.Single());

        Assert.All(grants, g => Assert.Equal(id, g.BudgetId));
        Assert.Equal(Dollar, grants.Sum(g => g.GrantedNanos)); // 20 slices of 5 %, then nothing
        Assert.Equal(20, grants.Count(g => g.LeaseId is not null));
        Assert.All(grants.Skip(20), g => Assert.Equal((null, 0L), (g.LeaseId, g.GrantedNanos)));

        // One replica hands a slice back having spent a fifth of it: the rest can be leased again, and no more.
        var returned = grants[0];
        var again = await LeaseAsync(new LeaseBudget
        {
            ProjectId = "project-a", ReplicaId = "replica-0",
            Returns = [new BudgetLeaseReturn { LeaseId = returned.LeaseId!.Value, SpentNanos = returned.GrantedNanos / 5 }],
        });
        Assert.Equal(returned.GrantedNanos * 4 / 5, again.Budgets.Single().GrantedNanos);

        // Returning the same lease twice, or another project's lease, frees nothing.
        var twice = await LeaseAsync(new LeaseBudget
        {
            ProjectId = "project-a", ReplicaId = "replica-0", Returns = [new BudgetLeaseReturn { LeaseId = returned.LeaseId!.Value, SpentNanos = 0 }],
        });
        Assert.Equal(0, twice.Budgets.Single().GrantedNanos);
    }

    [Fact]
    public async Task Recorded_spend_counts_against_a_budget_a_release_grants_nothing_and_prices_come_from_the_catalog()
    {
        await CreateAsync("project-b", 1m, scope: "user", scopeValue: "alice");
        // 0.98 dollars spent before any lease: only 0.02 is left.
        var spent = new InferenceCompleted
        {
            InferenceId = Guid.CreateVersion7(), ProjectId = "project-b", UserId = "alice", TraceId = Guid.NewGuid().ToString("N"),
            SpanId = "0123456789abcdef", RequestedModel = "gpt-4o", Provider = "openai", Usage = new TokenUsage { OutputTokens = 98_000 },
            StartedAt = DateTimeOffset.UtcNow.AddSeconds(-1), CompletedAt = DateTimeOffset.UtcNow, Status = InferenceStatuses.Success,
        };
        await _host.Services.GetRequiredService<BoundedPublisher>().PublishAsync(spent, CancellationToken.None);
        var recorded = _host.Services.GetRequiredService<MessageCapture<CostRecorded>>().Messages;
        await Eventually.TrueAsync(() => Task.FromResult(recorded.Any(r => r.InferenceId == spent.InferenceId)), TimeSpan.FromSeconds(15), "the cost");

        var released = await LeaseAsync(new LeaseBudget { ProjectId = "project-b", ReplicaId = "r", Release = true });
        var lease = await LeaseAsync(new LeaseBudget
        {
            ProjectId = "project-b", ReplicaId = "r",
            Models = [new PricedModel { Provider = "openai", Model = "gpt-4o-mini" }, new PricedModel { Provider = "openai", Model = "homegrown" }],
        });
        var tooBig = await LeaseAsync(new LeaseBudget
        {
            ProjectId = "project-b", ReplicaId = "r", MinimumNanos = new Dictionary<string, long> { [lease.Budgets[0].BudgetId.ToString()] = Dollar / 2 },
        });

        Assert.Null(released.Budgets.Single().LeaseId);
        var budget = lease.Budgets.Single();
        Assert.Equal(("user", "alice"), (budget.Scope, budget.ScopeValue));
        Assert.Equal(Dollar / 50, budget.GrantedNanos); // the 0.02 left, less than a 5 % slice
        var price = Assert.Single(lease.Prices);
        Assert.Equal(("gpt-4o-mini", 0.15m, 0.6m), (price.Model, price.Input, price.Output));
        Assert.Null(tooBig.Budgets.Single().LeaseId); // nothing left that could cover half a dollar
    }
}
