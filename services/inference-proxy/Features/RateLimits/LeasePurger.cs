using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.RateLimits;

/// <summary>Deletes lease rows of windows that ended more than an hour ago, so the table stays small.</summary>
public sealed class LeasePurger(LeaseStore store, IOptions<InferenceProxyOptions> options, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(10));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var seconds = options.Value.RateLimits.WindowSeconds;
            var oldest = (clock.GetUtcNow().ToUnixTimeSeconds() - 3600) / seconds;
            try
            {
                await store.PurgeAsync(oldest, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may be restarting; next time.
            }
        }
    }
}
