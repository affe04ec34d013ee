using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Access;
using LlmOps.Testing;
using LlmOps.TraceCollector.Features.Projects;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.TraceCollector.Tests.Ingestion;

/// <summary>A project's trace policy from the gateway's events: PII masked at ingest on every path, retention purged.</summary>
public class ProjectPolicyTests : IAsyncLifetime
{
    private CollectorHost _collector = null!;

    public async ValueTask InitializeAsync() => _collector = await CollectorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _collector.DisposeAsync();

    private async Task AnnounceAsync(string projectId, int? retentionDays, bool redact)
    {
        await _collector.PublishAsync(new ProjectUpdated
        {
            ProjectId = projectId,
            Name = projectId,
            TraceRetentionDays = retentionDays,
            RedactTracePii = redact,
            UpdatedAt = DateTimeOffset.UtcNow,
        });
        var policies = _collector.Host.Services.GetRequiredService<ProjectPolicies>();
        await Eventually.TrueAsync(() => Task.FromResult(policies.Of(projectId) == new ProjectPolicies.Policy(retentionDays, redact)),
            TimeSpan.FromSeconds(15), "the project's policy");
    }

    private static JsonObject Event(string type, JsonObject body) => new()
    {
        ["id"] = Guid.NewGuid().ToString("N"),
        ["type"] = type,
        ["body"] = body,
    };

    private async Task IngestAsync(string key, params JsonObject[] events)
    {
        using var client = _collector.Host.CreateClient(key);
        Assert.Equal((HttpStatusCode)207, (await client.PostAsJsonAsync("/api/ingest", new JsonObject { ["batch"] = new JsonArray(events) })).StatusCode);
    }

    [Fact]
    public async Task A_project_that_asks_for_redaction_has_pii_masked_on_every_path_and_its_policy_is_kept_in_the_database()
    {
        await AnnounceAsync("project-a", null, redact: true);
        var trace = Guid.NewGuid().ToString("N");
        var inference = Inferences.Successful(projectId: "project-a", question: "Mail me at jane.doe@example.org", answer: "Card 4111 1111 1111 1111 noted.");

        await IngestAsync(CollectorHost.KeyOfA,
            Event("trace-create", new JsonObject { ["id"] = trace, ["input"] = "My IBAN is GB82 WEST 1234 5698 7654 32" }),
            Event("span-create", new JsonObject { ["id"] = "s1", ["traceId"] = trace, ["output"] = "key sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a" }));
        await _collector.PublishAsync(inference);

        var (stored, observations, _) = await _collector.ReadAsync("project-a", trace);
        Assert.Equal("My IBAN is [IBAN]", stored!.Input);
        Assert.Equal("key [SECRET]", Assert.Single(observations).Output);
        var gateway = await Eventually.UntilAsync(async () => (await _collector.ReadAsync("project-a", inference.TraceId)).Observations.SingleOrDefault(),
            TimeSpan.FromSeconds(15), "the gateway's generation");
        Assert.Contains("[EMAIL]", gateway.Input);
        Assert.DoesNotContain("jane.doe", gateway.Input);
        Assert.Equal("Card [CARD] noted.", gateway.Output);
        // The consumer applies the policy in memory first and saves it after, so the row may trail what AnnounceAsync waited for.
        var row = await Eventually.UntilAsync(async () =>
        {
            await using var scope = _collector.Host.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>().ProjectPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.ProjectId == "project-a");
        }, TimeSpan.FromSeconds(15), "the project's policy row");
        Assert.True(row.RedactPii);
    }

    [Fact]
    public async Task A_project_without_redaction_keeps_its_text()
    {
        var trace = Guid.NewGuid().ToString("N");

        await IngestAsync(CollectorHost.KeyOfB, Event("trace-create", new JsonObject { ["id"] = trace, ["input"] = "mail jane.doe@example.org" }));

        Assert.Equal("mail jane.doe@example.org", (await _collector.ReadAsync("project-b", trace)).Trace!.Input);
    }

    [Fact]
    public async Task Traces_past_their_projects_retention_are_purged_with_their_observations_and_scores_and_newer_ones_stay()
    {
        await AnnounceAsync("project-b", retentionDays: 7, redact: false);
        var old = Guid.NewGuid().ToString("N");
        var recent = Guid.NewGuid().ToString("N");
        var tenDaysAgo = DateTime.UtcNow.AddDays(-10).ToString("O");
        await IngestAsync(CollectorHost.KeyOfB,
            Event("trace-create", new JsonObject { ["id"] = old, ["timestamp"] = tenDaysAgo }),
            Event("span-create", new JsonObject { ["id"] = "old-span", ["traceId"] = old, ["startTime"] = tenDaysAgo, ["endTime"] = tenDaysAgo }),
            Event("generation-create", new JsonObject { ["id"] = "old-generation", ["traceId"] = old, ["startTime"] = tenDaysAgo, ["model"] = "m" }),
            Event("score-create", new JsonObject { ["id"] = "old-score", ["traceId"] = old, ["name"] = "n", ["value"] = 1 }),
            Event("trace-create", new JsonObject { ["id"] = recent }),
            Event("span-create", new JsonObject { ["id"] = "new-span", ["traceId"] = recent }),
            Event("generation-create", new JsonObject { ["id"] = "new-generation", ["traceId"] = recent, ["startTime"] = DateTime.UtcNow.ToString("O"), ["model"] = "m" }));

        var deleted = await _collector.Host.Services.GetRequiredService<RetentionPurge>().PurgeAsync(CancellationToken.None);

        Assert.Equal(1, deleted);
        var (gone, goneObservations, goneScores) = await _collector.ReadAsync("project-b", old);
        Assert.Null(gone);
        Assert.Empty(goneObservations);
        Assert.Empty(goneScores);
        var (kept, keptObservations, _) = await _collector.ReadAsync("project-b", recent);
        Assert.NotNull(kept);
        Assert.Equal(2, keptObservations.Count);
        // The trace-stats rollups lose the purged minutes and the purged score, and still add up to what is stored.
        await using var scope = _collector.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var cutoff = DateTime.UtcNow.AddDays(-7);
        Assert.False(await db.TraceRollups.AnyAsync(r => r.ProjectId == "project-b" && r.Minute < cutoff));
        Assert.Equal(await db.Traces.CountAsync(t => t.ProjectId == "project-b"), await db.TraceRollups.Where(r => r.ProjectId == "project-b").SumAsync(r => r.Traces));
        Assert.Equal(await db.Scores.CountAsync(s => s.ProjectId == "project-b" && s.Status == "ok" && s.Value != null),
            await db.ScoreRollups.Where(r => r.ProjectId == "project-b").SumAsync(r => r.Count));
        Assert.Equal(1, await db.Observations.CountAsync(o => o.ProjectId == "project-b" && o.Type == "generation"));
        Assert.Equal(1, await db.GenerationRollups.Where(r => r.ProjectId == "project-b").SumAsync(r => r.Generations));
    }

    [Fact]
    public async Task Replicas_purging_the_same_traces_at_once_leave_the_rollups_equal_to_what_is_stored()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("LLMOPS_COLLECTOR_TESTS_ON_POSTGRES") == "1",
            "Replicas share PostgreSQL; the embedded SQLite store has one process and one writer.");
        await AnnounceAsync("project-b", retentionDays: 7, redact: false);
        var tenDaysAgo = DateTime.UtcNow.AddDays(-10).ToString("O");
        const int Old = 2_500; // three of the purge's chunks
        for (var offset = 0; offset < Old; offset += 250)
        {
            await IngestAsync(CollectorHost.KeyOfB, [.. Enumerable.Range(offset, 250).SelectMany(i => new[]
            {
                Event("trace-create", new JsonObject { ["id"] = $"purged-{i}", ["timestamp"] = tenDaysAgo }),
                Event("generation-create", new JsonObject
                {
                    ["id"] = $"purged-generation-{i}", ["traceId"] = $"purged-{i}", ["startTime"] = tenDaysAgo, ["endTime"] = tenDaysAgo, ["model"] = "m",
                }),
                Event("score-create", new JsonObject { ["id"] = $"purged-score-{i}", ["traceId"] = $"purged-{i}", ["name"] = "n", ["value"] = 1 }),
            })]);
        }
        await IngestAsync(CollectorHost.KeyOfB, Event("generation-create", new JsonObject
        {
            ["id"] = "kept-generation", ["traceId"] = "kept", ["startTime"] = DateTime.UtcNow.ToString("O"), ["model"] = "m",
        }));
        var services = _collector.Host.Services;
        var replicas = Enumerable.Range(0, 4).Select(_ => ActivatorUtilities.CreateInstance<RetentionPurge>(services)).ToList();

        var deleted = await Task.WhenAll(replicas.Select(r => r.PurgeAsync(CancellationToken.None)));

        Assert.Equal(Old, deleted.Sum());
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        Assert.Equal(1, await db.Observations.CountAsync(o => o.ProjectId == "project-b" && o.Type == "generation"));
        Assert.Equal(1, await db.GenerationRollups.Where(r => r.ProjectId == "project-b").SumAsync(r => r.Generations));
        Assert.Equal(await db.Scores.CountAsync(s => s.ProjectId == "project-b" && s.Status == "ok" && s.Value != null),
            await db.ScoreRollups.Where(r => r.ProjectId == "project-b").SumAsync(r => r.Count));
    }

    [Fact]
    public async Task A_policy_row_another_replica_inserted_first_takes_these_values_and_a_save_that_fails_otherwise_is_not_swallowed()
    {
        var services = _collector.Host.Services;
        var policies = services.GetRequiredService<ProjectPolicies>();
        await using var scope = services.CreateAsyncScope();
        var options = scope.ServiceProvider.GetRequiredService<DbContextOptions<TraceCollectorDbContext>>();
        var at = DateTime.UtcNow;
        // The other replica stores its row between this one's lookup (no row yet) and its insert.
        var race = new BeforeSave(async () =>
        {
            await using var other = services.CreateAsyncScope();
            var db = other.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
            db.ProjectPolicies.Add(new ProjectPolicyRecord { ProjectId = "raced", RetentionDays = 3, RedactPii = false, UpdatedAt = at.AddSeconds(-1) });
            await db.SaveChangesAsync();
        });
        await using (var db = new TraceCollectorDbContext(new DbContextOptionsBuilder<TraceCollectorDbContext>(options).AddInterceptors(race).Options))
            await policies.SaveAsync(db, "raced", new ProjectPolicies.Policy(30, true), at, CancellationToken.None);

        Assert.Equal(2, race.Calls); // the insert that met the other replica's row, then the update over it
        await using (var check = services.CreateAsyncScope())
        {
            var stored = await check.ServiceProvider.GetRequiredService<TraceCollectorDbContext>().ProjectPolicies.AsNoTracking().SingleAsync(p => p.ProjectId == "raced");
            Assert.Equal((30, true), (stored.RetentionDays, stored.RedactPii));
        }

        var broken = new BeforeSave(() => throw new DbUpdateException("the database refused the row"));
        await using (var db = new TraceCollectorDbContext(new DbContextOptionsBuilder<TraceCollectorDbContext>(options).AddInterceptors(broken).Options))
            await Assert.ThrowsAsync<DbUpdateException>(() => policies.SaveAsync(db, "refused", new ProjectPolicies.Policy(7, false), at, CancellationToken.None));
    }

    /// <summary>Runs an action before the first save only (the moment another replica, or a failure, gets in between).</summary>
    private sealed class BeforeSave(Func<Task> action) : Microsoft.EntityFrameworkCore.Diagnostics.SaveChangesInterceptor
    {
        public int Calls { get; private set; }

        public override async ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int>> SavingChangesAsync(
            Microsoft.EntityFrameworkCore.Diagnostics.DbContextEventData eventData, Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            if (Calls++ == 0)
                await action();
            return result;
        }
    }
}
