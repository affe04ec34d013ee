using LlmOps.Contracts.Actions;
using LlmOps.Contracts.Prompts;
using LlmOps.InferenceProxy.Infrastructure;
using MassTransit;

namespace LlmOps.InferenceProxy.Features.Prompts;

/// <summary>Another replica changed a prompt: reload it (on this replica's own queue, so every replica hears it).</summary>
public sealed class PromptChangedConsumer(InferenceProxyDbContext db, PromptCache cache) : IConsumer<PromptChanged>
{
    public async Task Consume(ConsumeContext<PromptChanged> context)
    {
        var snapshot = await PromptLoader.LoadAsync(db, context.Message.ProjectId, context.Message.PromptName, context.CancellationToken);
        if (snapshot is null)
            cache.Remove(context.Message.ProjectId, context.Message.PromptName);
        else
            cache.Set(snapshot);
    }
}

/// <summary>The loop controller's rollback request (competing consumers: one replica handles each).</summary>
public sealed class PromptRollbackRequestedConsumer(PromptRegistry registry) : IConsumer<PromptRollbackRequested>
{
    public Task Consume(ConsumeContext<PromptRollbackRequested> context) =>
        registry.HandleRollbackAsync(context.Message, context.CancellationToken);
}

/// <summary>Loads every prompt at start, then reloads all every minute: heals an announcement this replica missed.</summary>
public sealed class PromptCacheLoader(IServiceProvider services, PromptCache cache) : BackgroundService, IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken) => await ReloadAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ReloadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may be restarting; the cache keeps serving what it has.
            }
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InferenceProxyDbContext>();
        foreach (var snapshot in await PromptLoader.LoadAllAsync(db, cancellationToken))
            cache.Set(snapshot);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
