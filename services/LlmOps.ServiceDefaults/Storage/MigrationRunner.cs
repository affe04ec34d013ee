using LlmOps.ServiceDefaults.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Storage;

/// <summary>Applies one DbContext's migrations (with retries while the database is unreachable).</summary>
public interface IMigrationRunner
{
    Task MigrateAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Applies a DbContext's migrations before anything else starts (IHostedLifecycleService.StartingAsync runs ahead of
/// every hosted service's StartAsync, the bus's included), so no consumer ever sees a missing table.
/// EF Core takes a migration lock, so replicas starting together are safe.
/// </summary>
public sealed partial class MigrationRunner<TContext>(IServiceProvider services, IOptions<StorageOptions> options,
    ILogger<MigrationRunner<TContext>> logger) : BeforeStartTask, IMigrationRunner
    where TContext : DbContext
{
    public override async Task StartingAsync(CancellationToken cancellationToken)
    {
        var storage = options.Value;
        if (storage.Provider == StorageOptions.Providers.Sqlite)
            Directory.CreateDirectory(storage.DataDirectoryFullPath);
        if (storage.MigrateOnStart)
            await MigrateAsync(cancellationToken);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var storage = options.Value;
        if (storage.Provider == StorageOptions.Providers.Sqlite)
            Directory.CreateDirectory(storage.DataDirectoryFullPath);

        var deadline = DateTimeOffset.UtcNow + storage.StartupRetryLimit;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TContext>();
                await db.Database.MigrateAsync(cancellationToken);
                if (db.Database.IsSqlite())
                    await EnableWriteAheadLogAsync(db, cancellationToken);
                WarmUp(db);
                LogMigrated(logger, typeof(TContext).Name, storage.Provider);
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && DateTimeOffset.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                LogRetrying(logger, ex, typeof(TContext).Name, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Runs one tiny query per entity type, so EF Core's query pipeline is compiled and the connection pool primed
    /// before the first real request (the first trace of a fresh process was otherwise visible only after ~0.6 s).
    /// </summary>
    private static void WarmUp(DbContext db)
    {
        var set = typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!;
        foreach (var entity in db.Model.GetEntityTypes().Where(e => !e.IsOwned() && e.ClrType != typeof(Dictionary<string, object>)))
        {
            var query = (IQueryable<object>)set.MakeGenericMethod(entity.ClrType).Invoke(db, null)!;
            // Any(): no row limit without an order, which EF Core would warn about at every start.
            _ = query.Any();
        }
    }

    // WAL lets readers (the query API) run while a consumer writes.
    private static async Task EnableWriteAheadLogAsync(DbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static bool IsTransient(Exception exception) => exception switch
    {
        Npgsql.NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException,
        SqliteException => false,
        TimeoutException => true,
        _ => exception.InnerException is not null && IsTransient(exception.InnerException),
    };


    [LoggerMessage(Level = LogLevel.Information, Message = "Database for {Context} is migrated ({Provider})")]
    private static partial void LogMigrated(ILogger logger, string context, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database for {Context} is not reachable yet (attempt {Attempt}); retrying")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string context, int attempt);
}
