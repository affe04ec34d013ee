using System.Collections.Concurrent;
using LlmOps.Contracts.Access;
using LlmOps.TraceCollector.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Projects;

/// <summary>
/// Each project's trace retention and PII redaction, held in memory for the write path. They come from the gateway's
/// ProjectCreated / ProjectUpdated events, which every collector replica hears on its own queue and also keeps in its
/// database, so a restart knows them before any new event.
/// </summary>
public sealed class ProjectPolicies
{
    public sealed record Policy(int? RetentionDays, bool RedactPii);

    private static readonly Policy Default = new(null, false);
    private readonly ConcurrentDictionary<string, Policy> _policies = new(StringComparer.Ordinal);

    public Policy Of(string projectId) => _policies.GetValueOrDefault(projectId, Default);

    public IReadOnlyDictionary<string, Policy> All => _policies;

    public void Apply(string projectId, Policy policy) => _policies[projectId] = policy;

    /// <summary>Records a project's policy here and in the database (every replica writes the same row: harmless).</summary>
    public async Task SaveAsync(TraceCollectorDbContext db, string projectId, Policy policy, DateTime at, CancellationToken cancellationToken)
    {
        Apply(projectId, policy);
        var row = await db.ProjectPolicies.FindAsync([projectId], cancellationToken);
        if (row is null)
            db.ProjectPolicies.Add(row = new ProjectPolicyRecord { ProjectId = projectId });
        row.RetentionDays = policy.RetentionDays;
        row.RedactPii = policy.RedactPii;
        row.UpdatedAt = at;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (row.ProjectId == projectId && db.Entry(row).State == EntityState.Added)
        {
            // Another replica inserted the row first: write these values over it. If there is no row, the insert failed
            // for another reason, and the consumer fails with it (retried, then the error queue) instead of keeping the
            // policy only in memory, where a restart would lose it.
            db.ChangeTracker.Clear();
            var stored = await db.ProjectPolicies.FindAsync([projectId], cancellationToken);
            if (stored is null)
                throw;
            stored.RetentionDays = policy.RetentionDays;
            stored.RedactPii = policy.RedactPii;
            stored.UpdatedAt = at;
            await db.SaveChangesAsync(cancellationToken);
        }
    }
}

public sealed class ProjectPolicyConsumer(ProjectPolicies policies, TraceCollectorDbContext db, TimeProvider clock)
    : IConsumer<ProjectCreated>, IConsumer<ProjectUpdated>
{
    public Task Consume(ConsumeContext<ProjectCreated> context) =>
        policies.SaveAsync(db, context.Message.ProjectId, new ProjectPolicies.Policy(context.Message.TraceRetentionDays, context.Message.RedactTracePii),
            clock.GetUtcNow().UtcDateTime, context.CancellationToken);

    public Task Consume(ConsumeContext<ProjectUpdated> context) =>
        policies.SaveAsync(db, context.Message.ProjectId, new ProjectPolicies.Policy(context.Message.TraceRetentionDays, context.Message.RedactTracePii),
            clock.GetUtcNow().UtcDateTime, context.CancellationToken);
}

/// <summary>Loads the stored policies before the collector consumes anything.</summary>
public sealed class ProjectPolicyLoader(IServiceScopeFactory scopes, ProjectPolicies policies) : LlmOps.ServiceDefaults.Hosting.BeforeStartTask
{
    public override async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        foreach (var row in await db.ProjectPolicies.AsNoTracking().ToListAsync(cancellationToken))
            policies.Apply(row.ProjectId, new ProjectPolicies.Policy(row.RetentionDays, row.RedactPii));
    }
}
