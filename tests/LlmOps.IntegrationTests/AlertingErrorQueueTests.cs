using System.Text;
using System.Text.Json;
using LlmOps.Alerting;
using LlmOps.Alerting.Features.Metrics;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using RabbitMQ.Client;

namespace LlmOps.IntegrationTests;

/// <summary>
/// Poison on alerting's own queue, against the real broker: the malformed message goes to the queue's <c>_error</c>
/// queue (good traffic keeps flowing), the error-queue poller reads its depth from RabbitMQ's management API, and the
/// <c>error_queue_depth</c> rule fires for that queue.
/// </summary>
public class AlertingErrorQueueTests : IAsyncLifetime
{
    private const string Rules = """
        groups:
          - name: broker
            interval: 1s
            rules:
              - name: messages_in_error_queues
                metric: { name: error_queue_depth, window: 5m, by: [queue] }
                condition: { threshold: { op: ">", value: 0 } }
                labels: { severity: warning, team: platform }
                annotations: { summary: "{{ $value }} messages in {{ $labels.queue }}" }
        """;

    private string _vhost = "";
    private TestHost _alerting = null!;

    public async ValueTask InitializeAsync()
    {
        _vhost = await TestInfrastructure.CreateVirtualHostAsync();
        var rulesPath = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N") + ".yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(rulesPath)!);
        await File.WriteAllTextAsync(rulesPath, Rules);
        var settings = TestInfrastructure.RabbitMqSettings(_vhost);
        foreach (var (key, value) in TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync("alerting-error-queues")))
            settings[key] = value;
        settings["Alerting:Engine:RulesFile"] = rulesPath;
        settings["Alerting:Engine:TickMs"] = "200";
        settings["Alerting:Metrics:ManagementUrl"] = $"http://{TestInfrastructure.RabbitMqHost}:{TestInfrastructure.RabbitMqManagementPort}";
        settings["Alerting:Metrics:ManagementPollSeconds"] = "5";
        settings["Messaging:RetryIntervalsMs:0"] = "10";
        _alerting = await TestHost.StartAsync(b => { b.AddServiceDefaults(AlertingExtensions.ServiceName); b.AddAlerting(); },
            a => { a.MapDefaultEndpoints(); a.MapAlertingEndpoints(); }, settings);
        using var probe = _alerting.CreateClient(bearerKey: null);
        await Eventually.TrueAsync(async () => (await probe.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "readiness");
    }

    public async ValueTask DisposeAsync()
    {
        await _alerting.DisposeAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(_vhost);
    }

    [Fact]
    public async Task A_malformed_message_on_an_alerting_queue_lands_in_its_error_queue_and_the_error_queue_rule_fires()
    {
        var queue = QueueNames.For<CostRecordedBatchMetricConsumer>(AlertingExtensions.ServiceName);
        await using var connection = await new ConnectionFactory
        {
            HostName = TestInfrastructure.RabbitMqHost, Port = TestInfrastructure.RabbitMqPort, VirtualHost = _vhost, UserName = "guest", Password = "guest",
        }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent };
        await channel.BasicPublishAsync("", queue, mandatory: true, properties, Encoding.UTF8.GetBytes("{\"message\": {\"costs\": [not json"));

        using var admin = _alerting.CreateClient();
        JsonElement alert = default;
        await Eventually.TrueAsync(async () =>
        {
            var alerts = JsonDocument.Parse(await admin.GetStringAsync("/api/alerts?rule=messages_in_error_queues")).RootElement.GetProperty("data");
            if (alerts.GetArrayLength() == 0)
                return false;
            alert = alerts[0].Clone();
            return true;
        }, TimeSpan.FromSeconds(60), "the error-queue alert");
        Assert.Equal(queue + "_error", alert.GetProperty("labels").GetProperty("queue").GetString());
        Assert.Equal("firing", alert.GetProperty("state").GetString());
        Assert.Equal(1, alert.GetProperty("value").GetDouble());
    }
}
