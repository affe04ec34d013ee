using LlmOps.ServiceDefaults.Auth;

namespace LlmOps.Testing;

/// <summary>
/// Fixed project keys for a test host (instead of keys issued by inference-proxy): each key belongs to one project,
/// with key id <c>key-of-&lt;project&gt;</c>. Register with <c>services.AddSingleton&lt;IApiKeyResolver&gt;(new TestProjectKeys(...))</c>.
/// </summary>
public sealed class TestProjectKeys(params (string Key, string ProjectId)[] keys) : IApiKeyResolver
{
    private readonly Dictionary<string, string> _projects = keys.ToDictionary(k => k.Key, k => k.ProjectId, StringComparer.Ordinal);

    public ValueTask<CallerIdentity?> ResolveAsync(string presentedKey, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_projects.TryGetValue(presentedKey, out var project) ? CallerIdentity.ForProject(project, "key-of-" + project) : null);
}
