using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Drift;

/// <summary>Runs a drift pass every <see cref="DriftOptions.IntervalSeconds"/> (the first one interval after start).</summary>
public sealed partial class DriftTicker(IServiceScopeFactory scopes, IOptions<EvaluatorOptions> options, TimeProvider clock, ILogger<DriftTicker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Drift.IntervalSeconds), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<DriftDetector>().RunAsync(clock.GetUtcNow(), stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next pass sees the same windows (the broker or the database may be restarting).
                    LogFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drift pass failed; the next one retries")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
