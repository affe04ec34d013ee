using System.Security.Claims;

namespace LlmOps.ServiceDefaults.Auth;

/// <summary>Who is calling: the admin, or a project key (which only ever sees its own project's data).</summary>
public sealed record CallerIdentity(string Role, string? ProjectId, string KeyId)
{
    public static CallerIdentity Admin { get; } = new(Roles.Admin, null, "admin");

    public static CallerIdentity ForProject(string projectId, string keyId) => new(Roles.Project, projectId, keyId);
}

public static class Roles
{
    public const string Admin = "admin";
    public const string Project = "project";
}

public static class LlmOpsClaims
{
    public const string Role = "llmops:role";
    public const string ProjectId = "llmops:project";
    public const string KeyId = "llmops:key";

    public static ClaimsPrincipal ToPrincipal(CallerIdentity caller, string scheme)
    {
        var claims = new List<Claim> { new(Role, caller.Role), new(KeyId, caller.KeyId) };
        if (caller.ProjectId is not null)
            claims.Add(new Claim(ProjectId, caller.ProjectId));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, KeyId, Role));
    }

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.HasClaim(Role, Roles.Admin);

    public static string? ProjectIdOf(this ClaimsPrincipal principal) => principal.FindFirst(ProjectId)?.Value;

    public static string? KeyIdOf(this ClaimsPrincipal principal) => principal.FindFirst(KeyId)?.Value;

    /// <summary>
    /// The project a query is narrowed to: a project key's own project, whatever it asks for (none if the key has none,
    /// so it sees nothing); the admin's <paramref name="requested"/> project, or null for every project.
    /// </summary>
    public static string? ProjectFilter(this ClaimsPrincipal principal, string? requested) =>
        principal.IsAdmin() ? (string.IsNullOrEmpty(requested) ? null : requested) : principal.ProjectIdOf() ?? "";

    /// <summary>True when the caller may see data of <paramref name="projectId"/>: the admin sees every project.</summary>
    public static bool CanAccessProject(this ClaimsPrincipal principal, string projectId) =>
        principal.IsAdmin() || string.Equals(principal.ProjectIdOf(), projectId, StringComparison.Ordinal);
}
