using Microsoft.Extensions.Hosting;

namespace LlmOps.ServiceDefaults.Hosting;

/// <summary>
/// Work that must finish before any hosted service starts (the bus included): IHostedLifecycleService.StartingAsync runs
/// for every service ahead of every StartAsync, in registration order.
/// </summary>
public abstract class BeforeStartTask : IHostedLifecycleService
{
    public abstract Task StartingAsync(CancellationToken cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
