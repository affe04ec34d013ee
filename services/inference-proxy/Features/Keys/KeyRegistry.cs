using System.Text.Json;
using LlmOps.Contracts.Access;
using LlmOps.InferenceProxy.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.InferenceProxy.Features.Keys;

/// <summary>
/// Projects and their keys: the database is the record, the in-memory directory (this process) and the key events
/// (every other process) are how the change takes effect. A new key works here at once.
/// </summary>
public sealed class KeyRegistry(InferenceProxyDbContext db, ProjectKeyDirectory directory, ProjectSettings settings, TimeProvider clock)
{
    public const string KeyPrefix = "llmops-sk-";
    private const int ShownPrefixLength = 16;

    /// <summary>Stores a new project and applies its settings here; null when the id is taken.</summary>
    public async Task<ProjectRecord?> CreateProjectAsync(ProjectRecord project, CancellationToken cancellationToken)
    {
        if (await db.Projects.AnyAsync(p => p.Id == project.Id, cancellationToken))
            return null;
        project.CreatedAt = clock.GetUtcNow().UtcDateTime;
        db.Projects.Add(project);
        await db.SaveChangesAsync(cancellationToken);
        settings.Apply(project.Id, ProjectSettingValues.Of(project));
        return project;
    }

    /// <summary>Changes a project's name or settings; null when there is no such project.</summary>
    public async Task<ProjectRecord?> UpdateProjectAsync(string id, Action<ProjectRecord> change, CancellationToken cancellationToken)
    {
        var project = await db.Projects.SingleOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (project is null)
            return null;
        change(project);
        await db.SaveChangesAsync(cancellationToken);
        settings.Apply(project.Id, ProjectSettingValues.Of(project));
        return project;
    }

    /// <summary>Loads every project's settings into memory (at start).</summary>
    public async Task LoadProjectSettingsAsync(CancellationToken cancellationToken)
    {
        foreach (var project in await db.Projects.AsNoTracking().ToListAsync(cancellationToken))
            settings.Apply(project.Id, ProjectSettingValues.Of(project));
    }

    public async Task<(ApiKeyRecord Record, string Key)> IssueAsync(string projectId, string name, IReadOnlyList<string> allowedModels,
        int? requestsPerMinute, long? tokensPerMinute, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var key = KeyHashing.NewKey(KeyPrefix);
        var record = new ApiKeyRecord
        {
            Id = "key_" + Guid.CreateVersion7().ToString("N"),
            ProjectId = projectId,
            Name = name,
            Prefix = key[..ShownPrefixLength],
            KeyHash = KeyHashing.Sha256Hex(key),
            AllowedModels = JsonSerializer.Serialize(allowedModels),
            RequestsPerMinute = requestsPerMinute,
            TokensPerMinute = tokensPerMinute,
            ExpiresAt = expiresAt?.UtcDateTime,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ApiKeys.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        directory.Apply(ToIssued(record));
        return (record, key);
    }

    /// <summary>Revokes a key (idempotent: revoking twice keeps the first time and person). Null when unknown.</summary>
    public async Task<ApiKeyRecord?> RevokeAsync(string keyId, string revokedBy, CancellationToken cancellationToken)
    {
        var record = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (record is null)
            return null;
        if (record.RevokedAt is null)
        {
            record.RevokedAt = clock.GetUtcNow().UtcDateTime;
            record.RevokedBy = revokedBy;
            await db.SaveChangesAsync(cancellationToken);
        }
        directory.Apply(ToRevoked(record));
        return record;
    }

    public async Task<ApiKeySnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        var takenAt = clock.GetUtcNow();
        var keys = await db.ApiKeys.AsNoTracking().ToListAsync(cancellationToken);
        return new ApiKeySnapshot
        {
            ActiveKeys = keys.Where(k => k.RevokedAt is null).Select(ToIssued).ToList(),
            RevokedKeyIds = keys.Where(k => k.RevokedAt is not null).Select(k => k.Id).ToList(),
            TakenAt = takenAt,
        };
    }

    public static ApiKeyIssued ToIssued(ApiKeyRecord record) => new()
    {
        KeyId = record.Id,
        ProjectId = record.ProjectId,
        Name = record.Name,
        Prefix = record.Prefix,
        KeyHash = record.KeyHash,
        AllowedModels = JsonSerializer.Deserialize<List<string>>(record.AllowedModels) ?? [],
        RequestsPerMinute = record.RequestsPerMinute,
        TokensPerMinute = record.TokensPerMinute,
        ExpiresAt = record.ExpiresAt is { } expires ? new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc)) : null,
        IssuedAt = new DateTimeOffset(DateTime.SpecifyKind(record.CreatedAt, DateTimeKind.Utc)),
    };

    public static ApiKeyRevoked ToRevoked(ApiKeyRecord record) => new()
    {
        KeyId = record.Id,
        ProjectId = record.ProjectId,
        RevokedBy = record.RevokedBy,
        RevokedAt = new DateTimeOffset(DateTime.SpecifyKind(record.RevokedAt!.Value, DateTimeKind.Utc)),
    };
}
