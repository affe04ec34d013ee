using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.ServiceDefaults.Storage;

public static class MigrationBuilderExtensions
{
    /// <summary>The schema a hand-written migration should use: the service's on PostgreSQL, none on SQLite.</summary>
    public static string? SchemaFor(this MigrationBuilder migrationBuilder, string schema) =>
        migrationBuilder.IsSqlite() ? null : schema;

    /// <summary>A JSON column: <c>jsonb</c> on PostgreSQL, text on SQLite.</summary>
    public static string JsonType(this MigrationBuilder migrationBuilder) =>
        migrationBuilder.IsNpgsql() ? "jsonb" : "TEXT";
}
