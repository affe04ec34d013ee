using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// Polls RabbitMQ's management API every <see cref="MetricsOptions.ManagementPollSeconds"/> for the depth of every
/// <c>*_error</c> queue of the virtual host (<c>GET /api/queues/{vhost}?columns=name,messages</c>, basic auth) and hands
/// them to the store as gauges. A failed poll is logged and counted; the last depths then age out of the rules' windows
/// (no data rather than stale data).
/// </summary>
public sealed class ErrorQueuePoller(IHttpClientFactory http, MetricStore store, TimeProvider clock, IOptions<MetricsOptions> options,
    IOptions<LlmOps.ServiceDefaults.Messaging.MessagingOptions> messaging, ILogger<ErrorQueuePoller> logger) : BackgroundService
{
    public const string HttpClientName = "alerting-rabbitmq-management";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(o.ManagementPollSeconds), clock);
        do
        {
            try
            {
                await PollAsync(stoppingToken);
                MetricsTelemetry.Polled(ok: true);
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                MetricsTelemetry.Polled(ok: false);
                logger.LogWarning("Polling RabbitMQ's management API at {Url} failed: {Error}", o.ManagementUrl, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task PollAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var rabbit = messaging.Value.RabbitMq;
        var vhost = Uri.EscapeDataString(o.ManagementVirtualHost ?? rabbit.VirtualHost);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{o.ManagementUrl!.TrimEnd('/')}/api/queues/{vhost}?columns=name,messages");
        var credentials = $"{o.ManagementUsername ?? rabbit.Username}:{o.ManagementPassword ?? rabbit.Password}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(o.ManagementTimeoutSeconds));
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, deadline.Token);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStringAsync(deadline.Token);
        store.RecordQueueDepths(ManagementQueues.ErrorQueues(body), clock.GetUtcNow());
    }
}

/// <summary>Reads the management API's queue list: the <c>*_error</c> queues and their message counts.</summary>
public static class ManagementQueues
{
    public static IReadOnlyList<(string Queue, long Messages)> ErrorQueues(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
            throw new JsonException("The management API's queue list is not an array.");
        var queues = new List<(string, long)>();
        foreach (var queue in document.RootElement.EnumerateArray())
        {
            if (queue.ValueKind != JsonValueKind.Object
                || !queue.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || name.GetString() is not { } queueName || !queueName.EndsWith("_error", StringComparison.Ordinal))
                continue;
            // A queue the broker is still recovering has no "messages" yet: unknown, not zero.
            if (queue.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Number && messages.TryGetInt64(out var count))
                queues.Add((queueName, count));
        }
        return queues;
    }
}
