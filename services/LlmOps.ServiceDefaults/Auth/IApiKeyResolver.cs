namespace LlmOps.ServiceDefaults.Auth;

/// <summary>
/// Turns a presented bearer key into a caller. The admin key is built in; project keys are resolved by
/// implementations services register (they validate against key hashes learned from ApiKeyIssued events, in memory,
/// so no request waits on a database).
/// </summary>
public interface IApiKeyResolver
{
    ValueTask<CallerIdentity?> ResolveAsync(string presentedKey, CancellationToken cancellationToken);
}
