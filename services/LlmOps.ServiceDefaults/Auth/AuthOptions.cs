namespace LlmOps.ServiceDefaults.Auth;

public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The admin key. From the environment only (<c>Auth__AdminKey</c>); at least 16 characters.</summary>
    public string? AdminKey { get; set; }

    /// <summary>
    /// Embedded mode: when no admin key is configured, generate one on first start, keep it in
    /// <c>&lt;Storage:DataDirectory&gt;/admin-key</c> and print it once. Off for the distributed services, which refuse to
    /// start without a key.
    /// </summary>
    public bool GenerateAdminKeyIfMissing { get; set; }

    /// <summary>The project an admin-key request is attributed to when it names none.</summary>
    public string DefaultProjectId { get; set; } = "default";

    /// <summary>How often every process re-reads the full key set from inference-proxy (events keep it current in between).</summary>
    public TimeSpan KeySnapshotRefresh { get; set; } = TimeSpan.FromMinutes(5);

    public const int MinimumKeyLength = 16;
}
