using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Health;
using LlmOps.ServiceDefaults.Http;
using LlmOps.ServiceDefaults.Logging;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmOps.ServiceDefaults;

/// <summary>
/// The one place every service (and the embedded platform) gets its plumbing from. A service's Program.cs calls
/// <see cref="AddServiceDefaults"/>, its own <c>Add&lt;Service&gt;()</c>, then <see cref="MapDefaultEndpoints"/> and its own
/// <c>Map&lt;Service&gt;Endpoints()</c>; the embedded platform calls every service's pair on one builder.
/// </summary>
public static class Extensions
{
    /// <param name="hostName">The process's name in logs and telemetry (<c>service.name</c>), e.g. <c>trace-collector</c>.</param>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string hostName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostName);
        builder.Services.AddSingleton(new HostIdentity(hostName));
        // Lowest-priority defaults for a service running on its own: the distributed topology. Every other source
        // (the embedded platform's defaults, appsettings, environment, command line) overrides them. They live in code,
        // not in an appsettings.json, because a project reference would copy such a file into every host that
        // composes the service.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = DistributedDefaults,
        });

        builder.AddLlmOpsLogging(hostName);
        builder.AddLlmOpsTelemetry(hostName);
        builder.AddLlmOpsHttpErrors();
        builder.AddLlmOpsHealthChecks();
        builder.AddLlmOpsStorage();
        builder.AddLlmOpsAuthentication();
        builder.AddLlmOpsMessaging();
        builder.AddProjectKeyDirectory(hostName);
        return builder;
    }

    public static readonly IReadOnlyDictionary<string, string?> DistributedDefaults = new Dictionary<string, string?>
    {
        ["Messaging:Transport"] = "RabbitMq",
        ["Storage:Provider"] = "Postgres",
    };

    /// <summary>
    /// Installs the shared middleware (errors, request logging, routing, authentication) in the right order and maps
    /// <c>/health/live</c> and <c>/health/ready</c>. Call it before mapping any service's endpoints.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseLlmOpsHttpErrors();
        app.UseLlmOpsRequestLogging();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapLlmOpsHealthEndpoints();
        return app;
    }

    /// <summary>
    /// Runs the host; with <c>Storage:MigrateOnly=true</c> it instead applies every database migration the process owns
    /// and returns (the process exits 0; a failure throws and exits non-zero), starting nothing else: no bus, no HTTP
    /// server, no hosted service. The Helm chart's pre-install / pre-upgrade Job runs each service this way.
    /// </summary>
    public static void RunService(this WebApplication app)
    {
        var storage = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value;
        if (!storage.MigrateOnly)
        {
            app.Run();
            return;
        }
        var runners = app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<IMigrationRunner>().ToList();
        foreach (var runner in runners)
            runner.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        app.Logger.LogInformation("Storage:MigrateOnly: {Count} database(s) migrated; exiting", runners.Count);
    }
}

/// <summary>The name this process runs under (a service name, or <c>platform</c> in embedded mode).</summary>
public sealed record HostIdentity(string Name);
