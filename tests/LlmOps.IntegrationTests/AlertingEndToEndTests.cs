using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LlmOps.Alerting;
using LlmOps.Contracts.Cost;
using LlmOps.CostAccountant;
using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using RabbitMQ.Client;

namespace LlmOps.IntegrationTests;

/// <summary>
/// Issue #8's end-to-end proof over real RabbitMQ and PostgreSQL: a burst of expensive traffic through the gateway (the
/// official OpenAI SDK) is priced by cost-accountant, seen by alerting as today's cost against the past days' baseline,
/// and becomes a cost-spike page at a local receiver that records PagerDuty Events v2 requests — while a plain RabbitMQ
/// subscriber bound to <c>llmops.alerts</c> receives the alert as a CloudEvent.
/// </summary>
public class AlertingEndToEndTests : IAsyncLifetime
{
    private const string RoutingKeyEnv = "LLMOPS_E2E_PD_ROUTING_KEY";
    private const string Rules = """
        groups:
          - name: cost
            interval: 1s
            rules:
              - name: cost_spike
                metric: { name: cost, window: 1d, by: [project] }
                condition: { baseline_ratio: { factor: 2, baseline_days: 7, min_baseline_days: 3, floor: 0.05 } }
                labels: { severity: warning, team: platform }
                annotations:
                  summary: "Cost spike in {{ $labels.project }}: ${{ $value | humanize }} today"
                  runbook_url: docs/runbooks/cost-spike.md
        """;

    private string _vhost = "";
    private TestHost _simulator = null!;
    private TestHost _proxy = null!;
    private TestHost _costs = null!;
    private TestHost _alerting = null!;
    private PageReceiver _pages = null!;

    public async ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable(RoutingKeyEnv, "E2EROUTINGKEY0000000000000000000");
        _vhost = await TestInfrastructure.CreateVirtualHostAsync();
        _simulator = await SimulatorHost.StartAsync();
        _pages = await PageReceiver.StartAsync();

        var proxy = await SettingsAsync("e2e-alert-proxy");
        proxy["InferenceProxy:Deployments:0:Provider"] = "openai";
        proxy["InferenceProxy:Budgets:Enabled"] = "false";
        proxy["InferenceProxy:PublishBatchSize"] = "10";
        _proxy = await GatewayHost.StartAsync(proxy, _simulator);

        var costs = await SettingsAsync("e2e-alert-costs");
        costs["CostAccountant:BatchWaitMs"] = "20";
        _costs = await TestHost.StartAsync(b => { b.AddServiceDefaults(CostAccountantExtensions.ServiceName); b.AddCostAccountant(); },
            a => { a.MapDefaultEndpoints(); a.MapCostAccountantEndpoints(); }, costs);

        var rulesPath = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N") + ".yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(rulesPath)!);
        await File.WriteAllTextAsync(rulesPath, Rules);
        var alerting = await SettingsAsync("e2e-alerting");
        alerting["Alerting:Engine:RulesFile"] = rulesPath;
        alerting["Alerting:Engine:TickMs"] = "200";
        alerting["Alerting:Metrics:BatchWaitMs"] = "20";
        alerting["Alerting:Receivers:pager:PagerDuty:RoutingKeyEnv"] = RoutingKeyEnv;
        alerting["Alerting:Receivers:pager:PagerDuty:BaseUrl"] = _pages.BaseAddress.ToString().TrimEnd('/');
        alerting["Alerting:Route:Receiver"] = "pager";
        alerting["Alerting:Route:GroupWait"] = "0s";
        _alerting = await TestHost.StartAsync(b => { b.AddServiceDefaults(AlertingExtensions.ServiceName); b.AddAlerting(); },
            a => { a.MapDefaultEndpoints(); a.MapAlertingEndpoints(); }, alerting);

        foreach (var host in new[] { _proxy, _costs, _alerting })
        {
            using var probe = host.CreateClient(bearerKey: null);
            await Eventually.TrueAsync(async () => (await probe.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "readiness");
        }
    }

    private async Task<Dictionary<string, string?>> SettingsAsync(string database)
    {
        var settings = TestInfrastructure.RabbitMqSettings(_vhost);
        foreach (var (key, value) in TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync(database)))
            settings[key] = value;
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await _alerting.DisposeAsync();
        await _costs.DisposeAsync();
        await _proxy.DisposeAsync();
        await _simulator.DisposeAsync();
        await _pages.DisposeAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(_vhost);
    }

    [Fact]
    public async Task A_burst_of_expensive_traffic_pages_a_cost_spike_and_the_alert_topic_carries_a_cloudevent()
    {
        // A plain RabbitMQ subscriber, bound the way Dapr's pubsub.rabbitmq binds (no Dapr, no MassTransit).
        await using var connection = await new ConnectionFactory
        {
            HostName = TestInfrastructure.RabbitMqHost, Port = TestInfrastructure.RabbitMqPort, VirtualHost = _vhost, UserName = "guest", Password = "guest",
        }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("llmops.alerts", ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync("oncall-bridge-llmops.alerts", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("oncall-bridge-llmops.alerts", "llmops.alerts", routingKey: "");

        // The past four days cost about a cent each (what cost-accountant published then).
        var today = DateTimeOffset.UtcNow;
        var baseline = Enumerable.Range(1, 4).Select(day => new CostRecorded
        {
            InferenceId = Guid.NewGuid(), ProjectId = "default", Model = "sim-large", Priced = true, TotalCost = 0.01m,
            OccurredAt = today.AddDays(-day), InputTokens = 100, OutputTokens = 1_000,
        }).ToList();
        await _costs.Services.GetRequiredService<IBus>().Publish(new CostRecordedBatch { Costs = baseline });
        await Task.Delay(TimeSpan.FromSeconds(2)); // let alerting take the baseline in before today's burst
        Assert.Empty(_pages.Requests);

        // Today's burst: 20 answers of 1,000 output tokens from a $10-per-million-output model, about $0.20.
        var chat = new ChatClient("sim-large", new ApiKeyCredential(TestHost.AdminKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(_proxy.BaseAddress, "v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
        var burstDone = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            chat.CompleteChatAsync([new UserChatMessage($"Summarise the quarterly report, part {i}. [[sim:tokens=1000]]")])));
        burstDone.Restart();

        var pages = await _pages.WaitForAsync(PageReceiver.PagerDutyPath, 1, TimeSpan.FromSeconds(60));
        var toPage = burstDone.Elapsed;
        var page = JsonDocument.Parse(pages[0].Body).RootElement;
        Assert.Equal("trigger", page.GetProperty("event_action").GetString());
        Assert.Equal("llmops/cost_spike/project=default", page.GetProperty("dedup_key").GetString());
        Assert.Equal("E2EROUTINGKEY0000000000000000000", page.GetProperty("routing_key").GetString());
        Assert.Equal("warning", page.GetProperty("payload").GetProperty("severity").GetString());
        Assert.StartsWith("Cost spike in default: $", page.GetProperty("payload").GetProperty("summary").GetString());
        Assert.Equal("docs/runbooks/cost-spike.md", page.GetProperty("payload").GetProperty("custom_details").GetProperty("runbook_url").GetString());

        BasicGetResult? delivery = null;
        await Eventually.TrueAsync(async () => (delivery = await channel.BasicGetAsync("oncall-bridge-llmops.alerts", autoAck: true)) is not null,
            TimeSpan.FromSeconds(30), "a CloudEvent on llmops.alerts");
        Assert.Equal(2, (int)delivery!.BasicProperties.DeliveryMode); // persistent
        var cloudEvent = JsonDocument.Parse(Encoding.UTF8.GetString(delivery.Body.Span)).RootElement;
        Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
        Assert.Equal("io.llmops.alert.fired", cloudEvent.GetProperty("type").GetString());
        Assert.Equal("/llmops/alerting", cloudEvent.GetProperty("source").GetString());
        Assert.False(string.IsNullOrEmpty(cloudEvent.GetProperty("id").GetString()));
        var data = cloudEvent.GetProperty("data");
        Assert.Equal("cost_spike", data.GetProperty("ruleName").GetString());
        Assert.Equal("default", data.GetProperty("projectId").GetString());
        Assert.True(data.GetProperty("value").GetDouble() > 2 * 0.01, "today's cost is above twice the baseline mean");

        using var admin = _alerting.CreateClient();
        var alerts = JsonDocument.Parse(await admin.GetStringAsync("/api/alerts?state=firing")).RootElement.GetProperty("data");
        Assert.Equal("cost_spike", Assert.Single(alerts.EnumerateArray()).GetProperty("rule").GetString());
        TestContext.Current.SendDiagnosticMessage($"burst finished → page in {toPage.TotalMilliseconds:F0} ms");
    }
}
