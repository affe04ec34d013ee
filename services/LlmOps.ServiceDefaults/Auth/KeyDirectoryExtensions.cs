using LlmOps.ServiceDefaults.Health;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmOps.ServiceDefaults.Auth;

public static class KeyDirectoryExtensions
{
    /// <summary>
    /// Project keys for this process: an in-memory directory that resolves bearer keys, kept current by key events on a
    /// per-instance queue and by snapshots from inference-proxy. Readiness reports Degraded until the first snapshot.
    /// </summary>
    public static WebApplicationBuilder AddProjectKeyDirectory(this WebApplicationBuilder builder, string hostName)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ProjectKeyDirectory>();
        builder.Services.AddSingleton<IApiKeyResolver>(services => services.GetRequiredService<ProjectKeyDirectory>());
        builder.Services.AddHostedService<KeySnapshotLoader>();
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("api-keys",
            services => new KeyDirectoryHealthCheck(services.GetRequiredService<ProjectKeyDirectory>()),
            HealthStatus.Degraded, [HealthExtensions.ReadyTag]));

        builder.AddInstanceConsumer<ApiKeyIssuedConsumer>(hostName + "-api-keys");
        builder.AddInstanceConsumer<ApiKeyRevokedConsumer>(hostName + "-api-keys");
        return builder;
    }

    private sealed class KeyDirectoryHealthCheck(ProjectKeyDirectory directory) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(directory.SnapshotAppliedAt is null
                ? HealthCheckResult.Degraded("No key snapshot from inference-proxy yet: only the admin key and keys announced since start are accepted.")
                : HealthCheckResult.Healthy($"{directory.Count} project keys"));
    }
}
