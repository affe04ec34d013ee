using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Health;
using LlmOps.ServiceDefaults.Http;
using LlmOps.ServiceDefaults.Logging;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;

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

        builder.AddLlmOpsLogging(hostName);
        builder.AddLlmOpsTelemetry(hostName);
        builder.AddLlmOpsHttpErrors();
        builder.AddLlmOpsHealthChecks();
        builder.AddLlmOpsStorage();
        builder.AddLlmOpsAuthentication();
        builder.AddLlmOpsMessaging();
        return builder;
    }

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
}

/// <summary>The name this process runs under (a service name, or <c>platform</c> in embedded mode).</summary>
public sealed record HostIdentity(string Name);
