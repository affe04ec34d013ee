using LlmOps.Alerting.Features.Rules;
using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Features.Engine;

/// <summary>Starts the engine (rules file, persisted state) and ticks it; a failing tick is logged and retried at the next.</summary>
public sealed class AlertEngineService(AlertEngine engine, IOptions<EngineOptions> options, TimeProvider time, IServiceProvider services,
    ILogger<AlertEngineService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (!options.Value.AutoStart)
            return;
        var fileRules = LoadFileRules(options.Value);
        // Evaluating before yesterday's windows are back would resolve what was firing and forget the cost baseline.
        if (services.GetService<Metrics.MetricCheckpoints>() is { } checkpoints)
            await checkpoints.Restored.WaitAsync(stoppingToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await engine.StartAsync(fileRules, time.GetUtcNow(), stoppingToken);
                break;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Usually the database is not reachable yet (or still migrating): wait, do not crash-loop.
                logger.LogError(e, "The alert engine could not start (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)), time, stoppingToken);
            }
        }
        logger.LogInformation("Alert engine started with {Rules} rules", engine.Rules.Count);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.TickMs), time);
        try
        {
            do
            {
                try
                {
                    await engine.TickAsync(time.GetUtcNow(), stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(e, "Alert engine step failed");
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Pages already on their way are let finish and entered in the notification log, so a deploy does not repeat them.
        try
        {
            await engine.DrainDeliveriesAsync(TimeSpan.FromSeconds(5));
            await engine.TickAsync(time.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "The alert engine's last step at shutdown failed");
        }
        engine.Stop();
    }

    /// <summary>The rules file, or none when it is absent (API rules only); a file that does not parse stops the service at start.</summary>
    public static IReadOnlyList<ScheduledRule> LoadFileRules(EngineOptions options)
    {
        var path = options.RulesFilePath;
        if (string.IsNullOrWhiteSpace(options.RulesFile) || !File.Exists(path))
            return [];
        var file = RuleFileParser.Load(path);
        return file.Groups.SelectMany(g => g.Rules.Select(r => new ScheduledRule(r, g.Name, g.Interval, RuleSources.File))).ToList();
    }
}
