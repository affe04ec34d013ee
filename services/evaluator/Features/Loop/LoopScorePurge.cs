using LlmOps.Evaluator.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// Deletes <c>loop_scores</c> rows no reader will look at again: older than the longest window read from them (the loop's
/// <see cref="LoopOptions.WindowHours"/>, drift's baseline plus current window) plus <see cref="MarginHours"/>, a few
/// thousand rows per statement so a large purge never holds long locks; every <see cref="LoopOptions.PurgeIntervalMinutes"/>.
/// Several replicas purging at once delete the same rows: harmless. The check masks on <c>evaluated_traces</c> need no
/// purge of their own: the window filters them by time, and the rows stay for fine-tune curation (people's corrections
/// may come long after the window).
/// </summary>
public sealed partial class LoopScorePurge(IServiceScopeFactory scopes, IOptions<EvaluatorOptions> options, TimeProvider clock,
    ILogger<LoopScorePurge> logger) : BackgroundService
{
    public const int Chunk = 5_000;

    /// <summary>Slack past the longest window, so a pass that started just before the purge still finds its scores.</summary>
    public const int MarginHours = 1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMinutes(options.Value.Loop.PurgeIntervalMinutes);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Wait first: a process that just started has better things to do, and a test host's seeded rows stay put.
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPurgeFailed(logger, ex);
            }
        }
    }

    /// <summary>Scores recorded before this are read by nobody.</summary>
    public static DateTime Cutoff(EvaluatorOptions settings, DateTime now) =>
        now.AddHours(-(Math.Max(settings.Loop.WindowHours, settings.Drift.CurrentHours + settings.Drift.BaselineHours) + MarginHours));

    /// <summary>One pass; returns how many rows it deleted.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var cutoff = Cutoff(options.Value, clock.GetUtcNow().UtcDateTime);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>();
        var deleted = 0;
        while (true)
        {
            var ids = await db.LoopScores.Where(s => s.RecordedAt < cutoff).Select(s => s.ScoreId).Take(Chunk).ToListAsync(cancellationToken);
            if (ids.Count == 0)
                return deleted;
            deleted += await db.LoopScores.Where(s => ids.Contains(s.ScoreId)).ExecuteDeleteAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The loop scores' purge failed; trying again at the next interval")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
