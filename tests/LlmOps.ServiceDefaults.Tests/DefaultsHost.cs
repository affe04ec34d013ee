using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.ServiceDefaults.Tests;

/// <summary>A host with only the service defaults and a few probe endpoints, as any service would have them.</summary>
public static class DefaultsHost
{
    public const string ProjectAKey = "project-a-key-0123456789";

    public sealed record Payload(string Name, int Count);

    public static Task<TestHost> StartAsync(IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var merged = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
            ["Http:MaxRequestBodyBytes"] = "4096",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            merged[key] = value;

        return TestHost.StartAsync(builder =>
            {
                builder.AddServiceDefaults("defaults-test");
                builder.Services.AddSingleton<IApiKeyResolver>(new FixedKeyResolver());
                configure?.Invoke(builder);
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapGet("/api/whoami", (HttpContext context) => Results.Ok(new
                {
                    admin = context.User.IsAdmin(),
                    project = context.User.ProjectIdOf(),
                    key = context.User.KeyIdOf(),
                }));
                app.MapPost("/api/echo", (Payload payload) => Results.Ok(payload));
                app.MapGet("/api/admin-only", () => Results.Ok("admin")).RequireAuthorization(AuthExtensions.AdminPolicy);
                app.MapGet("/api/boom", IResult () => throw new InvalidOperationException("secret internals"));
                app.MapGet("/v1/ping", () => Results.Ok("pong"));
            },
            merged);
    }

    /// <summary>Stands in for the project-key store the gateway issue brings: one known project key.</summary>
    private sealed class FixedKeyResolver : IApiKeyResolver
    {
        public ValueTask<CallerIdentity?> ResolveAsync(string presentedKey, CancellationToken cancellationToken) =>
            ValueTask.FromResult(presentedKey == ProjectAKey ? CallerIdentity.ForProject("project-a", "key-a") : null);
    }
}
