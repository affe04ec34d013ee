using System.Data.Common;
using LlmOps.InferenceProxy.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.InferenceProxy.Features.RateLimits;

/// <summary>
/// The shared record of how much of each scope's limit has been handed out in each window: one row per (scope, window),
/// grown by an atomic conditional upsert that never lets the total pass the limit, whatever the number of replicas.
/// </summary>
public sealed class LeaseStore(IServiceScopeFactory scopes)
{
    /// <summary>
    /// Takes up to <paramref name="slice"/> units of <paramref name="limit"/> in a window; returns how many it got (0 = spent) and
    /// how many all replicas together now hold.
    /// </summary>
    public async Task<(long Granted, long Total)> LeaseAsync(string scope, long window, long limit, long slice, CancellationToken cancellationToken)
    {
        await using var lifetime = scopes.CreateAsyncScope();
        var db = lifetime.ServiceProvider.GetRequiredService<InferenceProxyDbContext>();
        var table = db.Database.IsNpgsql() ? $"{InferenceProxyDbContext.Schema}.rate_limit_leases" : "rate_limit_leases";
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            slice = Math.Min(slice, limit);
            if (await TryGrowAsync(connection, table, scope, window, limit, slice, cancellationToken) is { } total)
                return (slice, total);
            // Less than a slice is left: take exactly what remains, if anything.
            var held = await GrantedAsync(connection, table, scope, window, cancellationToken);
            var rest = limit - held;
            return rest > 0 && await TryGrowAsync(connection, table, scope, window, limit, rest, cancellationToken) is { } after
                ? (rest, after)
                : (0, held);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Forgets windows that ended long ago.</summary>
    public async Task PurgeAsync(long beforeWindow, CancellationToken cancellationToken)
    {
        await using var lifetime = scopes.CreateAsyncScope();
        var db = lifetime.ServiceProvider.GetRequiredService<InferenceProxyDbContext>();
        var table = db.Database.IsNpgsql() ? $"{InferenceProxyDbContext.Schema}.rate_limit_leases" : "rate_limit_leases";
#pragma warning disable EF1002 // The table name is ours; the value is a parameter.
        await db.Database.ExecuteSqlRawAsync($"DELETE FROM {table} WHERE window_start < {{0}}", [beforeWindow], cancellationToken);
#pragma warning restore EF1002
    }

    /// <summary>The new total when the lease was granted; null when it would have passed the limit.</summary>
    private static async Task<long?> TryGrowAsync(DbConnection connection, string table, string scope, long window, long limit, long amount,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        // The same statement on PostgreSQL and SQLite: insert the first lease, or grow the row only while it stays within the limit.
        command.CommandText = $"""
            INSERT INTO {table} (scope, window_start, granted) VALUES (@scope, @window, @amount)
            ON CONFLICT (scope, window_start) DO UPDATE SET granted = {table}.granted + @amount
            WHERE {table}.granted + @amount <= @limit
            RETURNING granted
            """;
        Add(command, "scope", scope);
        Add(command, "window", window);
        Add(command, "amount", amount);
        Add(command, "limit", limit);
        return await command.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull
            ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

    private static async Task<long> GrantedAsync(DbConnection connection, string table, string scope, long window, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT granted FROM {table} WHERE scope = @scope AND window_start = @window";
        Add(command, "scope", scope);
        Add(command, "window", window);
        return await command.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
