using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Auth;

public static class AuthExtensions
{
    public const string AdminPolicy = "admin";

    /// <summary>
    /// Every endpoint needs an authenticated caller unless it opts out with <c>AllowAnonymous()</c> (only the health
    /// probes and the LLM simulator do). <see cref="AdminPolicy"/> restricts management routes to the admin key.
    /// </summary>
    public static WebApplicationBuilder AddLlmOpsAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.Section)
            .Validate(o => string.IsNullOrWhiteSpace(o.AdminKey) || o.AdminKey.Trim().Length >= AuthOptions.MinimumKeyLength,
                $"Auth:AdminKey must be at least {AuthOptions.MinimumKeyLength} characters.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.AdminKey) || o.GenerateAdminKeyIfMissing,
                "No admin key: set Auth__AdminKey (at least 16 characters).")
            .ValidateOnStart();
        builder.Services.AddSingleton<AdminKeyProvider>();
        builder.Services.AddHostedService<AdminKeyAnnouncer>();

        // Authentication pulls in Data Protection, which would write a key ring to disk at start (and fail on a
        // read-only root filesystem). Nothing here is protected with it (no cookies, no tokens), so keep keys in memory.
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireClaim(LlmOpsClaims.Role, Roles.Admin));
        return builder;
    }

    /// <summary>
    /// The project a request acts for: a project key's own (whatever it asks for); for the admin key the project it
    /// names (<paramref name="requested"/>, e.g. <c>?projectId=</c>), else the default project.
    /// </summary>
    public static string ActingProjectId(this System.Security.Claims.ClaimsPrincipal principal, IOptions<AuthOptions> options, string? requested = null) =>
        principal.ProjectIdOf() ?? (principal.IsAdmin() && !string.IsNullOrEmpty(requested) ? requested : options.Value.DefaultProjectId);
}
