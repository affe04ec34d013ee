using LlmOps.Evaluator.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Experiments;

/// <summary>Wakes the worker when this replica accepted an experiment, so it does not wait for the next poll.</summary>
public sealed class ExperimentSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Picks up experiments from the database: pending ones, and running ones whose replica's lease lapsed (it stopped or
/// crashed). A row is claimed by a conditional update of its status, claimant and lease, so when replicas race for it
/// exactly one update matches and only that one runs it.
/// </summary>
public sealed partial class ExperimentWorker(IServiceScopeFactory scopes, ExperimentSignal signal, IOptions<ExperimentOptions> options,
    TimeProvider clock, ILogger<ExperimentWorker> logger) : BackgroundService
{
    private readonly string _claimant = $"{Environment.MachineName}/{Guid.NewGuid():N}"[..Math.Min(128, Environment.MachineName.Length + 33)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var running = new List<Task>();
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            try
            {
                while (running.Count < settings.MaxConcurrent && await ClaimAsync(stoppingToken) is { } id)
                    running.Add(Task.Run(() => RunAsync(id, stoppingToken), CancellationToken.None));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogClaimFailed(logger, ex);
            }
            try
            {
                var poll = Task.Delay(TimeSpan.FromSeconds(settings.PollSeconds), stoppingToken);
                await Task.WhenAny([poll, signal.WaitAsync(TimeSpan.FromSeconds(settings.PollSeconds), stoppingToken), .. running]);
                stoppingToken.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await Task.WhenAll(running);
    }

    private async Task<Guid?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var candidates = await db.Experiments.AsNoTracking()
            .Where(e => e.Status == ExperimentStatuses.Pending || (e.Status == ExperimentStatuses.Running && e.LeaseUntil < now))
            .OrderBy(e => e.CreatedAt).Select(e => e.Id).Take(10).ToListAsync(cancellationToken);
        var leaseUntil = now.AddSeconds(options.Value.LeaseSeconds);
        foreach (var id in candidates)
        {
            var claimed = await db.Experiments
                .Where(e => e.Id == id && (e.Status == ExperimentStatuses.Pending || (e.Status == ExperimentStatuses.Running && e.LeaseUntil < now)))
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExperimentStatuses.Running).SetProperty(e => e.ClaimedBy, _claimant)
                    .SetProperty(e => e.LeaseUntil, leaseUntil).SetProperty(e => e.Attempts, e => e.Attempts + 1)
                    .SetProperty(e => e.StartedAt, e => e.StartedAt ?? now), cancellationToken);
            if (claimed == 1)
                return id;
        }
        return null;
    }

    private async Task RunAsync(Guid id, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ExperimentRunner>().RunAsync(id, _claimant, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: hand the experiment back so another replica (or this one after a restart) resumes it at once.
            await ReleaseAsync(id, refund: true);
        }
        catch (Exception ex)
        {
            LogRunFailed(logger, ex, id);
            await ReleaseAsync(id, refund: false);
        }
    }

    private async Task ReleaseAsync(Guid id, bool refund)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>();
            var taken = refund ? 1 : 0;
            await db.Experiments.Where(e => e.Id == id && e.ClaimedBy == _claimant && e.Status == ExperimentStatuses.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExperimentStatuses.Pending).SetProperty(e => e.ClaimedBy, (string?)null)
                    .SetProperty(e => e.LeaseUntil, (DateTime?)null).SetProperty(e => e.Attempts, e => e.Attempts - taken), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The lease lapses on its own and another replica takes over.
            LogReleaseFailed(logger, ex, id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for pending experiments failed; retrying at the next poll")]
    private static partial void LogClaimFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Experiment {Id} stopped on an unexpected failure; it will be retried")]
    private static partial void LogRunFailed(ILogger logger, Exception ex, Guid id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hand experiment {Id} back; its lease will lapse")]
    private static partial void LogReleaseFailed(ILogger logger, Exception ex, Guid id);
}
