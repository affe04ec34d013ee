using System.Collections.Concurrent;
using LlmOps.Contracts.Access;

namespace LlmOps.ServiceDefaults.Auth;

/// <summary>
/// The project keys this process accepts, held in memory (no request waits on a database): fed by ApiKeyIssued and
/// ApiKeyRevoked events and by snapshots from inference-proxy, which owns the keys. Only hashes are held. A revoked
/// key id is remembered, so a late or replayed issue event never brings it back.
/// </summary>
public sealed class ProjectKeyDirectory(TimeProvider clock) : IApiKeyResolver
{
    private readonly ConcurrentDictionary<string, ApiKeyIssued> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ApiKeyIssued> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>When the last snapshot was applied; null until one has been (only events and local writes so far).</summary>
    public DateTimeOffset? SnapshotAppliedAt { get; private set; }

    public int Count => _byId.Count;

    public ValueTask<CallerIdentity?> ResolveAsync(string presentedKey, CancellationToken cancellationToken)
    {
        if (!_byHash.TryGetValue(KeyHashing.Sha256Hex(presentedKey), out var key))
            return ValueTask.FromResult<CallerIdentity?>(null);
        if (key.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
            return ValueTask.FromResult<CallerIdentity?>(null);
        return ValueTask.FromResult<CallerIdentity?>(CallerIdentity.ForProject(key.ProjectId, key.KeyId));
    }

    public ApiKeyIssued? Find(string keyId) => _byId.GetValueOrDefault(keyId);

    public void Apply(ApiKeyIssued key)
    {
        lock (_gate)
        {
            if (_revoked.ContainsKey(key.KeyId))
                return;
            _byId[key.KeyId] = key;
            _byHash[key.KeyHash] = key;
        }
    }

    public void Apply(ApiKeyRevoked revoked)
    {
        lock (_gate)
        {
            _revoked[revoked.KeyId] = revoked.RevokedAt;
            if (_byId.TryRemove(revoked.KeyId, out var key))
                _byHash.TryRemove(key.KeyHash, out _);
        }
    }

    /// <summary>
    /// Merges a snapshot: its revocations apply, its active keys are added, and keys this process knows that were
    /// issued before the snapshot was taken but are missing from it are dropped (revoked while we were not listening).
    /// Keys issued after it was taken, learned from events in the meantime, stay.
    /// </summary>
    public void Apply(ApiKeySnapshot snapshot)
    {
        lock (_gate)
        {
            foreach (var id in snapshot.RevokedKeyIds)
                Apply(new ApiKeyRevoked { KeyId = id, ProjectId = "", RevokedAt = snapshot.TakenAt });
            var active = snapshot.ActiveKeys.Select(k => k.KeyId).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in _byId.Values.Where(k => k.IssuedAt <= snapshot.TakenAt && !active.Contains(k.KeyId)).ToList())
            {
                _byId.TryRemove(stale.KeyId, out _);
                _byHash.TryRemove(stale.KeyHash, out _);
            }
            foreach (var key in snapshot.ActiveKeys)
                Apply(key);
            SnapshotAppliedAt = clock.GetUtcNow();
        }
    }
}
