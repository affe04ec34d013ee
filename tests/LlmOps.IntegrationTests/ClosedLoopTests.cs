using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator;
using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.IntegrationTests;

/// <summary>
/// The prompt path of the loop across services over real RabbitMQ and PostgreSQL: finished traces reach the evaluator,
/// its json check fails on prompt v3 and not on v2, the loop controller asks for a rollback, and inference-proxy's
/// registry (auto policy) moves the production label back to v2.
/// </summary>
public class ClosedLoopTests : IAsyncLifetime
{
    private TestHost _simulator = null!;
    private TestHost _proxy = null!;
    private TestHost _evaluator = null!;
    private string _vhost = "";

    public async ValueTask InitializeAsync()
    {
        _vhost = await TestInfrastructure.CreateVirtualHostAsync();
        _simulator = await SimulatorHost.StartAsync();

        var proxySettings = TestInfrastructure.RabbitMqSettings(_vhost);
        foreach (var (key, value) in TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync("loop-proxy")))
            proxySettings[key] = value;
        proxySettings["InferenceProxy:Budgets:Enabled"] = "false";
        _proxy = await GatewayHost.StartAsync(proxySettings, _simulator);

        var evaluatorSettings = TestInfrastructure.RabbitMqSettings(_vhost);
        foreach (var (key, value) in TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync("loop-evaluator")))
            evaluatorSettings[key] = value;
        evaluatorSettings["Evaluator:BatchWaitMs"] = "20";
        _evaluator = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(EvaluatorExtensions.ServiceName);
                builder.AddEvaluator();
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapEvaluatorEndpoints();
            },
            evaluatorSettings);

        foreach (var host in new[] { _proxy, _evaluator })
        {
            using var probe = host.CreateClient(bearerKey: null);
            await Eventually.TrueAsync(async () => (await probe.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "readiness");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _evaluator.DisposeAsync();
        await _proxy.DisposeAsync();
        await _simulator.DisposeAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(_vhost);
    }

    [Fact]
    public async Task Prompt_v3_breaking_json_is_rolled_back_to_v2_by_the_registry_under_the_auto_policy()
    {
        using var proxy = _proxy.CreateClient();
        for (var version = 1; version <= 3; version++)
        {
            var created = await proxy.PostAsJsonAsync("/api/prompts/orders/versions", new
            {
                messages = new[] { new { role = "system", content = $"Answer in JSON (v{version})." }, new { role = "user", content = "{{question}}" } },
                labels = new[] { "production" },
            });
            created.EnsureSuccessStatusCode();
        }
        (await proxy.PutAsJsonAsync("/api/prompts/orders/policy", new { policy = "auto" })).EnsureSuccessStatusCode();
        using var evaluator = _evaluator.CreateClient();
        (await evaluator.PostAsJsonAsync("/api/evaluators", new { name = "orders-json", kind = "json_valid", promptName = "orders" })).EnsureSuccessStatusCode();

        // Traffic as trace-collector reports it: v2 answered in JSON, then v3 (now in production) breaks it 40 % of the time.
        var bus = _evaluator.Services.GetRequiredService<IBus>();
        for (var i = 0; i < 60; i++)
            await bus.Publish(Trace(2, i, broken: false));
        await Task.Delay(1_000);
        for (var i = 0; i < 60; i++)
            await bus.Publish(Trace(3, i, broken: i % 5 < 2));

        await Eventually.TrueAsync(async () =>
        {
            var prompt = JsonNode.Parse(await proxy.GetStringAsync("/api/prompts/orders"))!;
            return prompt["labels"]?["production"]?["version"]?.GetValue<int>() == 2;
        }, TimeSpan.FromSeconds(60), "the production label back on v2");

        var actions = await evaluator.GetFromJsonAsync<JsonElement>("/api/actions?kind=prompt_rollback");
        var action = Assert.Single(actions.GetProperty("data").EnumerateArray());
        Assert.Equal(3, action.GetProperty("details").GetProperty("fromVersion").GetInt32());
        Assert.Equal(2, action.GetProperty("details").GetProperty("toVersion").GetInt32());
        var history = await proxy.GetStringAsync("/api/prompts/orders/history");
        Assert.Contains(action.GetProperty("id").GetGuid().ToString(), history);
    }

    [Fact]
    public async Task Retrieval_misses_reach_an_outside_indexer_as_a_cloud_event_on_the_actions_topic()
    {
        // The customer's indexer subscribes the way Dapr's pubsub.rabbitmq does: a durable queue on the topic's fanout exchange.
        await using var connection = await new RabbitMQ.Client.ConnectionFactory
        {
            HostName = TestInfrastructure.RabbitMqHost, Port = TestInfrastructure.RabbitMqPort, VirtualHost = _vhost, UserName = "guest", Password = "guest",
        }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("llmops.actions", RabbitMQ.Client.ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync("indexer-llmops.actions", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("indexer-llmops.actions", "llmops.actions", routingKey: "");

        var bus = _evaluator.Services.GetRequiredService<IBus>();
        var shipping = "Express shipping arrives the next business day. Standard shipping takes three to five business days.";
        var office = "Our office in Lisbon opens at nine in the morning.";
        var traces = Enumerable.Range(0, 80).Select(i => new TraceCompleted
        {
            TraceId = Guid.NewGuid().ToString("N"), ProjectId = "default", PromptName = "help", PromptVersion = 1, Model = "sim-small",
            DataSourceId = "help-center",
            Question = i % 2 == 0 ? "How many business days does express shipping take?" : $"Can I get a refund for gift card {i}?",
            Answer = i % 2 == 0 ? "Express shipping arrives the next business day." : "Our office in Lisbon opens at nine in the morning.",
            RetrievedDocuments = [new RetrievedDocument { Content = i % 2 == 0 ? shipping : office }],
            Status = "ok", StartedAt = DateTimeOffset.UtcNow.AddSeconds(-1), CompletedAt = DateTimeOffset.UtcNow,
        }).ToList();
        // As trace-collector publishes them.
        foreach (var chunk in traces.Chunk(40))
            await bus.Publish(new TraceCompletedBatch { Traces = chunk });

        var delivered = new List<JsonElement>();
        await Eventually.TrueAsync(async () =>
        {
            while (await channel.BasicGetAsync("indexer-llmops.actions", autoAck: true) is { } message)
            {
                Assert.Equal("application/cloudevents+json", message.BasicProperties.ContentType);
                Assert.Equal(RabbitMQ.Client.DeliveryModes.Persistent, message.BasicProperties.DeliveryMode);
                delivered.Add(JsonDocument.Parse(message.Body).RootElement.Clone());
            }
            return delivered.Any(e => e.GetProperty("type").GetString() == "io.llmops.action.retrieval_improvement_requested");
        }, TimeSpan.FromSeconds(60), "the retrieval action on the topic");

        var rag = delivered.First(e => e.GetProperty("type").GetString() == "io.llmops.action.retrieval_improvement_requested");
        Assert.Equal(("1.0", "/llmops/evaluator", "default"), (rag.GetProperty("specversion").GetString(), rag.GetProperty("source").GetString(),
            rag.GetProperty("subject").GetString()));
        Assert.Equal("help-center", rag.GetProperty("data").GetProperty("dataSourceId").GetString());
        Assert.Contains("gift card", rag.GetProperty("data").GetProperty("failingQueries")[0].GetProperty("input").GetString());
        using var evaluator = _evaluator.CreateClient();
        // Published first, recorded second: the listing follows a moment later.
        await Eventually.TrueAsync(async () => (await evaluator.GetFromJsonAsync<JsonElement>("/api/actions?path=rag")).GetProperty("data").EnumerateArray()
            .Any(a => a.GetProperty("id").GetString() == rag.GetProperty("id").GetString()), TimeSpan.FromSeconds(15), "the action listed");
        // Retrieval misses are not a prompt problem.
        var prompt = await evaluator.GetFromJsonAsync<JsonElement>("/api/actions?path=prompt");
        Assert.Equal(0, prompt.GetProperty("data").GetArrayLength());
    }

    private static TraceCompleted Trace(int version, int i, bool broken) => new()
    {
        TraceId = Guid.NewGuid().ToString("N"),
        ProjectId = "default",
        PromptName = "orders",
        PromptVersion = version,
        Model = "sim-small",
        Question = $"Status of order {i}?",
        Answer = broken ? $"Order {i} has shipped." : $$"""{"order":{{i}},"status":"shipped"}""",
        Status = "ok",
        StartedAt = DateTimeOffset.UtcNow.AddSeconds(-1),
        CompletedAt = DateTimeOffset.UtcNow,
    };
}
