using System.Diagnostics.Metrics;
using LlmOps.Contracts.Access;
using LlmOps.ServiceDefaults.Telemetry;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Auth;

/// <summary>
/// Asks inference-proxy for every active key at start (retrying until it answers) and again every
/// <see cref="AuthOptions.KeySnapshotRefresh"/>, which also heals any key event this process missed.
/// </summary>
public sealed partial class KeySnapshotLoader(
    IBus bus,
    ProjectKeyDirectory directory,
    HostIdentity host,
    IOptions<AuthOptions> options,
    ILogger<KeySnapshotLoader> logger) : BackgroundService
{
    private static readonly Counter<long> Failures = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.auth.key_snapshot_failures", description: "Key snapshot requests that got no answer");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = bus.CreateRequestClient<GetApiKeySnapshot>(RequestTimeout.After(s: 10));
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var response = await client.GetResponse<ApiKeySnapshot>(new GetApiKeySnapshot { RequestedBy = host.Name }, stoppingToken);
                directory.Apply(response.Message);
                LogLoaded(logger, response.Message.ActiveKeys.Count);
                wait = options.Value.KeySnapshotRefresh;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Failures.Add(1);
                LogFailed(logger, ex.GetType().Name);
                wait = directory.SnapshotAppliedAt is null ? TimeSpan.FromSeconds(5) : options.Value.KeySnapshotRefresh;
            }
            try
            {
                await Task.Delay(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Key snapshot applied: {Count} active project keys")]
    private static partial void LogLoaded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No key snapshot from inference-proxy yet ({Reason}); project keys issued before this start are not accepted until one arrives")]
    private static partial void LogFailed(ILogger logger, string reason);
}
