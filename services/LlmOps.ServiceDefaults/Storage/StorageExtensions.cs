using LlmOps.ServiceDefaults.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Storage;

public static class StorageExtensions
{
    public static WebApplicationBuilder AddLlmOpsStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Provider != StorageOptions.Providers.Postgres || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Storage:ConnectionString (env Storage__ConnectionString) is required when Storage:Provider is Postgres.")
            .ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// The service's own DbContext: PostgreSQL schema <c>&lt;service_name&gt;</c> (or SQLite file
    /// <c>&lt;DataDirectory&gt;/&lt;service-name&gt;.db</c>), its hand-written migrations applied at start, and a
    /// readiness check.
    /// </summary>
    public static WebApplicationBuilder AddServiceDbContext<TContext>(this WebApplicationBuilder builder, string serviceName)
        where TContext : DbContext
    {
        var schema = SchemaName(serviceName);
        builder.Services.AddDbContext<TContext>((services, db) =>
        {
            var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            var configuration = services.GetRequiredService<IConfiguration>();
            if (storage.Provider == StorageOptions.Providers.Postgres)
            {
                var connectionString = configuration.GetConnectionString(serviceName) ?? storage.ConnectionString;
                db.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable, schema));
            }
            else
            {
                db.UseSqlite(SqliteConnectionString(storage, serviceName),
                    sqlite => sqlite.MigrationsHistoryTable(MigrationsHistoryTable));
                // SQLite has no schemas; the model's default schema is ignored there, which is what we want.
                db.ConfigureWarnings(w => w.Ignore(SqliteEventId.SchemaConfiguredWarning));
            }
            // Migrations are hand-written (the EF design-time tooling is not obtainable), so there is no model
            // snapshot to compare against; the storage tests prove the migrated schema serves the model instead.
            db.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        builder.Services.AddHostedService<MigrationRunner<TContext>>();
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<TContext>($"{serviceName}-database", tags: [HealthExtensions.ReadyTag]);
        return builder;
    }

    public const string MigrationsHistoryTable = "__ef_migrations_history";

    /// <summary><c>trace-collector</c> → <c>trace_collector</c>: PostgreSQL identifiers do not like dashes.</summary>
    public static string SchemaName(string serviceName) => serviceName.Replace('-', '_');

    public static string SqliteConnectionString(StorageOptions storage, string serviceName) =>
        new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(storage.DataDirectoryFullPath, serviceName + ".db"),
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Writers wait for each other instead of failing with "database is locked".
            DefaultTimeout = 30,
        }.ToString();
}
