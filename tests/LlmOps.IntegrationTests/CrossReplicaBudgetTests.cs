using System.ClientModel;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Cost;
using LlmOps.CostAccountant;
using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenAI;
using OpenAI.Chat;

namespace LlmOps.IntegrationTests;

/// <summary>
/// One budget, three gateway replicas leasing slices of it from one cost-accountant over real RabbitMQ, everything on
/// PostgreSQL, concurrent load on all three: the spend cost-accountant records stays within the budget, the rest is
/// refused with OpenAI's insufficient_quota, and each threshold is announced once.
/// </summary>
public class CrossReplicaBudgetTests : IAsyncLifetime
{
    private const int Replicas = 3;
    private const decimal Amount = 0.0012m; // about a hundred 16-token answers of sim-small
    private readonly List<TestHost> _replicas = [];
    private TestHost _simulator = null!;
    private TestHost _costs = null!;
    private string _vhost = "";
    private string _proxyDatabase = "";
    private string _costDatabase = "";

    public async ValueTask InitializeAsync()
    {
        _vhost = await TestInfrastructure.CreateVirtualHostAsync();
        _proxyDatabase = await TestInfrastructure.CreateDatabaseAsync("budget-proxy");
        _costDatabase = await TestInfrastructure.CreateDatabaseAsync("budget-costs");
        _simulator = await SimulatorHost.StartAsync();

        var costSettings = TestInfrastructure.RabbitMqSettings(_vhost);
        foreach (var (key, value) in TestInfrastructure.PostgresSettings(_costDatabase))
            costSettings[key] = value;
        costSettings["CostAccountant:BatchWaitMs"] = "20";
        _costs = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(CostAccountantExtensions.ServiceName);
                builder.AddCostAccountant();
                builder.Services.AddSingleton<MessageCapture<BudgetThresholdCrossed>>();
                builder.AddServiceConsumer<CaptureConsumer<BudgetThresholdCrossed>>("budget-test");
                builder.Services.AddSingleton<MessageCapture<BudgetExhausted>>();
                builder.AddServiceConsumer<CaptureConsumer<BudgetExhausted>>("budget-test");
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapCostAccountantEndpoints();
            },
            costSettings);

        for (var i = 0; i < Replicas; i++)
        {
            var settings = TestInfrastructure.RabbitMqSettings(_vhost);
            foreach (var (key, value) in TestInfrastructure.PostgresSettings(_proxyDatabase))
                settings[key] = value;
            settings["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N"));
            settings["InferenceProxy:Deployments:0:Provider"] = "openai";
            settings["InferenceProxy:Budgets:RefreshSeconds"] = "1";
            _replicas.Add(await GatewayHost.StartAsync(settings, _simulator));
        }
        foreach (var host in _replicas.Append(_costs))
        {
            using var probe = host.CreateClient(bearerKey: null);
            await Eventually.TrueAsync(async () => (await probe.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "readiness");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
            await replica.DisposeAsync();
        await _costs.DisposeAsync();
        await _simulator.DisposeAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(_vhost);
    }

    [Fact]
    public async Task Concurrent_load_on_three_replicas_stays_within_one_budget_and_each_threshold_is_announced_once()
    {
        string key;
        using (var admin = _replicas[0].CreateClient())
        {
            await admin.PostAsJsonAsync("/api/projects", new { id = "budgeted", name = "budgeted" });
            var issued = await admin.PostAsJsonAsync("/api/keys", new { projectId = "budgeted", name = "app" });
            key = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
        }
        using (var admin = _costs.CreateClient())
        {
            var created = await admin.PostAsJsonAsync("/api/budgets",
                new { projectId = "budgeted", scope = "project", period = "day", amount = Amount, thresholds = new[] { 25, 50 } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var clients = _replicas.Select(r => r.CreateClient(key)).ToList();
        // Every replica learns of the key through the bus.
        foreach (var client in clients)
            await Eventually.TrueAsync(async () => (await client.GetAsync("/v1/models")).IsSuccessStatusCode, TimeSpan.FromSeconds(15), "the key on every replica");

        var outcomes = new ConcurrentBag<(HttpStatusCode Status, string? Code)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 300), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (i, token) =>
        {
            var response = await clients[i % Replicas].PostAsJsonAsync("/v1/chat/completions",
                new { model = "sim-small", max_tokens = 16, messages = new[] { new { role = "user", content = $"spend {i}" } } }, token);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(token));
            outcomes.Add((response.StatusCode, body?["error"]?["code"]?.GetValue<string>()));
        });

        var admitted = outcomes.Count(o => o.Status == HttpStatusCode.OK);
        Assert.All(outcomes.Where(o => o.Status != HttpStatusCode.OK), o => Assert.Equal((HttpStatusCode.TooManyRequests, "insufficient_quota"), o));
        Assert.InRange(admitted, 1, 299);

        // What cost-accountant recorded once every admitted request was priced.
        await using var connection = new NpgsqlConnection(_costDatabase);
        await connection.OpenAsync();
        async Task<(long Requests, long Nanos)> RecordedAsync()
        {
            await using var command = new NpgsqlCommand(
                "select count(*), coalesce(sum(total_cost_nanos), 0)::bigint from cost_accountant.costs where project_id = 'budgeted'", connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetInt64(1));
        }
        await Eventually.TrueAsync(async () => (await RecordedAsync()).Requests >= outcomes.Count, TimeSpan.FromSeconds(30), "every request priced");
        var (_, spent) = await RecordedAsync();
        var amountNanos = (long)(Amount * 1_000_000_000m);
        // The documented bound: a reservation covers the whole answer here (max_tokens), so no overspend at all.
        Assert.True(spent <= amountNanos, $"spent {spent} nano-dollars of a {amountNanos} budget");
        // And the budget was used, not refused from the start: the slack is the slices other replicas held at the end.
        Assert.True(spent >= amountNanos * 3 / 4, $"only {spent} of {amountNanos} spent ({admitted} admitted)");

        var crossed = _costs.Services.GetRequiredService<MessageCapture<BudgetThresholdCrossed>>().Messages;
        await Eventually.TrueAsync(() => Task.FromResult(crossed.Count >= 2), TimeSpan.FromSeconds(15), "both thresholds");
        await Task.Delay(1_000);
        Assert.Equal([25.0, 50.0], crossed.Select(c => c.ThresholdPercent).Order().ToArray());
        // Enforcement reached the amount: exhaustion is announced once, though recorded spend stops just short of it.
        var exhausted = Assert.Single(_costs.Services.GetRequiredService<MessageCapture<BudgetExhausted>>().Messages);
        Assert.Equal(Amount, exhausted.Amount);

        // The official SDK reads the refusal as OpenAI's own quota error.
        var sdk = new ChatClient("sim-small", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(_replicas[0].BaseAddress, "v1") });
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            sdk.CompleteChatAsync([new UserChatMessage("one more")], new ChatCompletionOptions { MaxOutputTokenCount = 16 }));
        Assert.Equal(429, refused.Status);
        Assert.Equal("insufficient_quota", JsonNode.Parse(refused.GetRawResponse()!.Content.ToString())!["error"]!["code"]!.GetValue<string>());
        foreach (var client in clients)
            client.Dispose();
    }
}
