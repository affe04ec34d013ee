using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace LlmOps.ServiceDefaults.Storage;

/// <summary>
/// Hand-written multi-row SQL for the write paths that the change tracker would make too slow (ledgers, trace stores):
/// the same text runs on PostgreSQL and SQLite, values are bound as parameters, and they are bound the way EF Core
/// stores them (DateTimes as UTC; Guids as upper-case text on SQLite, where the ADO provider alone would write a blob).
/// </summary>
public static class BulkSql
{
    public static bool IsPostgres(this DatabaseFacade database) =>
        database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true;

    /// <summary>A table name as SQL sees it: schema-qualified on PostgreSQL, bare in a service's own SQLite file.</summary>
    public static string Table(this DatabaseFacade database, string schema, string name) => database.IsPostgres() ? $"{schema}.{name}" : name;

    /// <summary>
    /// <c>INSERT INTO table AS t (columns) VALUES (...), (...) tail</c> for <paramref name="rows"/>, one parameter per value;
    /// <paramref name="tail"/> is the <c>ON CONFLICT</c> / <c>RETURNING</c> clause.
    /// </summary>
    public static DbCommand Insert<T>(DbConnection connection, DbTransaction? transaction, bool postgres, string table, IReadOnlyList<string> columns,
        IReadOnlyList<T> rows, Func<T, IReadOnlyList<object?>> values, string tail)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sql = new StringBuilder(64 + rows.Count * columns.Count * 8);
        sql.Append("INSERT INTO ").Append(table).Append(" AS t (").Append(string.Join(", ", columns)).Append(") VALUES ");
        var index = 0;
        for (var r = 0; r < rows.Count; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            var row = values(rows[r]);
            for (var c = 0; c < row.Count; c++)
            {
                var name = "@p" + index++;
                sql.Append(c == 0 ? "" : ", ").Append(name);
                AddParameter(command, name, row[c], postgres);
            }
            sql.Append(')');
        }
        command.CommandText = sql.Append(' ').Append(tail).ToString();
        return command;
    }

    public static void AddParameter(DbCommand command, string name, object? value, bool postgres)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value switch
        {
            null => DBNull.Value,
            DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc),
            Guid g when !postgres => g.ToString().ToUpperInvariant(),
            var v => v,
        };
        command.Parameters.Add(parameter);
    }

    /// <summary>Bound parameters per SQLite statement at most (its limit is 32,766).</summary>
    public const int MaxSqliteParameters = 30_000;

    /// <summary>
    /// Upserts many rows inside <paramref name="transaction"/>: on PostgreSQL by binary COPY into a temporary staging table
    /// and one <c>INSERT … SELECT … ORDER BY … ON CONFLICT</c> from it (several times faster than bound parameters; the
    /// order keeps concurrent writers locking rows alike, so they never deadlock); on SQLite by multi-row
    /// <c>INSERT … VALUES … ON CONFLICT</c> per chunk (bounded by the parameter limit). <paramref name="table"/> is the bare
    /// table name, <paramref name="qualifiedTable"/> the name as SQL sees it; <paramref name="tail"/> the ON CONFLICT clause.
    /// </summary>
    public static Task UpsertAsync<T>(DbConnection connection, DbTransaction transaction, string table, string qualifiedTable, string[] columns,
        NpgsqlDbType[] types, string orderBy, string tail, IReadOnlyList<T> rows, Action<T, List<object?>> values, CancellationToken cancellationToken) =>
        UpsertAsync(connection, transaction, table, qualifiedTable, columns, types, orderBy, tail, rows, values, returned: null, cancellationToken);

    /// <summary>
    /// <see cref="UpsertAsync{T}(DbConnection, DbTransaction, string, string, string[], NpgsqlDbType[], string, string, IReadOnlyList{T}, Action{T, List{object?}}, CancellationToken)"/>
    /// with a <c>RETURNING</c> clause in <paramref name="tail"/>: <paramref name="returned"/> reads each row it returns.
    /// </summary>
    public static async Task UpsertAsync<T>(DbConnection connection, DbTransaction transaction, string table, string qualifiedTable, string[] columns,
        NpgsqlDbType[] types, string orderBy, string tail, IReadOnlyList<T> rows, Action<T, List<object?>> values, Action<DbDataReader>? returned,
        CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
            return;
        var columnList = string.Join(", ", columns);
        var rowValues = new List<object?>(columns.Length);
        if (connection is NpgsqlConnection npgsql)
        {
            // Named after schema and table: services sharing one connection pool (the embedded platform) never share a stage.
            var stage = "stage_" + qualifiedTable.Replace('.', '_');
            await using (var create = connection.CreateCommand())
            {
                create.Transaction = transaction;
                create.CommandText = $"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {qualifiedTable} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS";
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var import = await npgsql.BeginBinaryImportAsync($"COPY {stage} ({columnList}) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var row in rows)
                {
                    rowValues.Clear();
                    values(row, rowValues);
                    await import.StartRowAsync(cancellationToken);
                    for (var c = 0; c < rowValues.Count; c++)
                    {
                        if (rowValues[c] is not { } value)
                            await import.WriteNullAsync(cancellationToken);
                        else
                            await import.WriteAsync(value is DateTime d ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : value, types[c], cancellationToken);
                    }
                }
                await import.CompleteAsync(cancellationToken);
            }
            await using var upsert = connection.CreateCommand();
            upsert.Transaction = transaction;
            // Emptied at once: the same transaction may stage this table again.
            upsert.CommandText = $"INSERT INTO {qualifiedTable} AS t ({columnList}) SELECT {columnList} FROM {stage} ORDER BY {orderBy} {tail}; TRUNCATE {stage}";
            await ExecuteAsync(upsert, returned, cancellationToken);
            return;
        }

        var perStatement = Math.Max(1, MaxSqliteParameters / columns.Length);
        foreach (var chunk in rows.Chunk(perStatement))
        {
            await using var command = Insert(connection, transaction, postgres: false, qualifiedTable, columns, chunk, row =>
            {
                var list = new List<object?>(columns.Length);
                values(row, list);
                return list;
            }, tail);
            await ExecuteAsync(command, returned, cancellationToken);
        }
    }

    private static async Task ExecuteAsync(DbCommand command, Action<DbDataReader>? returned, CancellationToken cancellationToken)
    {
        if (returned is null)
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            returned(reader);
    }
}
