using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore.Infrastructure;

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
}
