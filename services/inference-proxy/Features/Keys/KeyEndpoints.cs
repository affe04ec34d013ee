using System.Text.Json;
using LlmOps.InferenceProxy.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.InferenceProxy.Features.Keys;

/// <summary>
/// <c>/api/keys</c> (admin): issue, list and revoke project keys. A key is returned once, when issued; only its hash
/// is kept.
/// </summary>
public static class KeyEndpoints
{
    public sealed record IssueKey(
        string ProjectId,
        string Name,
        List<string>? AllowedModels,
        int? RequestsPerMinute,
        long? TokensPerMinute,
        DateTimeOffset? ExpiresAt);

    public sealed record KeyView(
        string Id,
        string ProjectId,
        string Name,
        string Prefix,
        IReadOnlyList<string> AllowedModels,
        int? RequestsPerMinute,
        long? TokensPerMinute,
        DateTime? ExpiresAt,
        DateTime CreatedAt,
        DateTime? RevokedAt,
        string? RevokedBy);

    public sealed record IssuedKey(string Key, KeyView Details, bool Announced);

    private const int MaxAllowedModels = 200;

    public static async Task<IResult> IssueAsync(IssueKey request, KeyRegistry registry, InferenceProxyDbContext db,
        BoundedPublisher publisher, TimeProvider clock, ILogger<KeyRegistry> logger, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
            errors["name"] = ["A key needs a name of 1 to 200 characters."];
        if (request.AllowedModels is { } models && (models.Count > MaxAllowedModels || models.Any(string.IsNullOrWhiteSpace)))
            errors["allowedModels"] = [$"At most {MaxAllowedModels} non-empty model names."];
        if (request.RequestsPerMinute is <= 0)
            errors["requestsPerMinute"] = ["Must be positive when given."];
        if (request.TokensPerMinute is <= 0)
            errors["tokensPerMinute"] = ["Must be positive when given."];
        if (request.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
            errors["expiresAt"] = ["Must be in the future."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);
        if (!await db.Projects.AnyAsync(p => p.Id == request.ProjectId, cancellationToken))
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No project with id '{request.ProjectId}'.");

        var (record, key) = await registry.IssueAsync(request.ProjectId, request.Name.Trim(), request.AllowedModels ?? [],
            request.RequestsPerMinute, request.TokensPerMinute, request.ExpiresAt, cancellationToken);
        var announced = await KeyEvents.AnnounceAsync(publisher, KeyRegistry.ToIssued(record), logger, cancellationToken);
        return Results.Created($"/api/keys/{record.Id}", new IssuedKey(key, View(record), announced));
    }

    public static async Task<IResult> ListAsync(string? projectId, InferenceProxyDbContext db, CancellationToken cancellationToken)
    {
        var query = db.ApiKeys.AsNoTracking();
        if (!string.IsNullOrEmpty(projectId))
            query = query.Where(k => k.ProjectId == projectId);
        var keys = await query.OrderBy(k => k.ProjectId).ThenBy(k => k.CreatedAt).ToListAsync(cancellationToken);
        return Results.Ok(new { data = keys.Select(View) });
    }

    /// <summary>
    /// Revokes at once in this process; answers 200 only when the broker confirmed the announcement, so the caller knows
    /// every service will refuse the key. Otherwise 503: the revocation stands, and repeating the call re-announces it.
    /// </summary>
    public static async Task<IResult> RevokeAsync(string id, HttpContext context, KeyRegistry registry, BoundedPublisher publisher,
        CancellationToken cancellationToken)
    {
        var record = await registry.RevokeAsync(id, context.User.KeyIdOf() ?? "admin", cancellationToken);
        if (record is null)
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No key with id '{id}'.");
        try
        {
            await publisher.PublishAsync(KeyRegistry.ToRevoked(record), cancellationToken);
        }
        catch (TimeoutException)
        {
            return Results.Problem(statusCode: 503, title: "Service Unavailable",
                detail: "The key is revoked in the gateway, but the broker did not confirm telling the other services. Repeat the request.");
        }
        return Results.Ok(View(record));
    }

    private static KeyView View(ApiKeyRecord record) => new(
        record.Id, record.ProjectId, record.Name, record.Prefix,
        JsonSerializer.Deserialize<List<string>>(record.AllowedModels) ?? [],
        record.RequestsPerMinute, record.TokensPerMinute,
        record.ExpiresAt is { } e ? DateTime.SpecifyKind(e, DateTimeKind.Utc) : null,
        DateTime.SpecifyKind(record.CreatedAt, DateTimeKind.Utc),
        record.RevokedAt is { } r ? DateTime.SpecifyKind(r, DateTimeKind.Utc) : null,
        record.RevokedBy);
}
