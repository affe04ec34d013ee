using System.ComponentModel.DataAnnotations;

namespace LlmOps.ServiceDefaults.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><see cref="Providers.Postgres"/> in production, <see cref="Providers.Sqlite"/> in the embedded platform.</summary>
    [Required]
    [AllowedValues(Providers.Postgres, Providers.Sqlite)]
    public string Provider { get; set; } = Providers.Sqlite;

    /// <summary>
    /// PostgreSQL connection string shared by the services (each uses its own schema). A service may be given its own
    /// database with <c>ConnectionStrings__&lt;service-name&gt;</c>. From the environment only: it holds a password.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Where SQLite files (one per service) and the embedded platform's generated admin key live.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Apply migrations at start; turn off when a Helm pre-install job runs them.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>
    /// Apply every migration of the process's databases and exit (0, or non-zero on failure) without starting the bus,
    /// the HTTP server or any hosted service: what the chart's pre-install / pre-upgrade Job runs.
    /// </summary>
    public bool MigrateOnly { get; set; }

    /// <summary>How long start-up keeps retrying an unreachable database before giving up.</summary>
    public TimeSpan StartupRetryLimit { get; set; } = TimeSpan.FromSeconds(60);

    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);

    public static class Providers
    {
        public const string Postgres = "Postgres";
        public const string Sqlite = "Sqlite";
    }
}
