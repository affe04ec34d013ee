using System.Net.Http.Json;
using LlmOps.Contracts.Actions;
using LlmOps.Contracts.Evaluation;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests.Storage;

/// <summary>
/// Upgrading a store from before the check masks (migration 20261123000004_CheckOutcomesOnTraces): the check outcomes
/// already kept as loop_scores rows keep counting in the loop's window next to the masks written after the upgrade.
/// </summary>
public class CheckOutcomesMigrationTests
{
    private const string BeforeMasks = "20261123000003_Experiments";

    [Fact]
    public async Task Upgrading_with_check_rows_in_loop_scores_keeps_them_counting_toward_the_next_diagnosis()
    {
        var (settings, options) = await StoreAsync();
        var now = DateTime.UtcNow;
        await using (var db = new EvaluatorDbContext(options))
        {
            await db.GetService<IMigrator>().MigrateAsync(BeforeMasks);
            // Before the upgrade: prompt v1 passed its JSON check 60 times, v2 failed it on 20 of 40 traces.
            db.LoopScores.AddRange(Enumerable.Range(0, 100).Select(i => new LoopScoreRecord
            {
                ScoreId = Guid.NewGuid(), ProjectId = "project-a", TraceId = $"old-{i}", Name = ScoreNames.JsonValid, Value = i >= 60 && i % 2 == 0 ? 0 : 1,
                Status = ScoreStatuses.Ok, Source = ScoreSources.Eval, PromptName = "answer", PromptVersion = i < 60 ? 1 : 2, Model = "gpt-x",
                RecordedAt = now.AddHours(i < 60 ? -3 : -2),
            }));
            await db.SaveChangesAsync();
            // A trace row from before the upgrade: the new columns must read as "no checks".
            var insert = "INSERT INTO " + db.Database.Table(EvaluatorDbContext.Schema, "evaluated_traces")
                         + " (project_id, trace_id, revision, question, completed_at, evaluated_at) VALUES ({0}, {1}, 1, {2}, {3}, {3})";
            await db.Database.ExecuteSqlRawAsync(insert, "project-a", "old-60", "an old question", now.AddHours(-2));
        }
        SqliteConnection.ClearAllPools();

        await using var host = await EvaluatorHost.StartAsync(settings);
        using var client = host.Host.CreateClient(EvaluatorHost.KeyOfA);
        (await client.PostAsJsonAsync("/api/evaluators", new { name = "json", kind = "json_valid" })).EnsureSuccessStatusCode();
        await using (var scope = host.Host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>();
            var old = await db.EvaluatedTraces.AsNoTracking().SingleAsync(t => t.TraceId == "old-60");
            Assert.Equal((0, 0, null), (old.ChecksRun, old.ChecksFailed, old.CheckedAt));
            var window = scope.ServiceProvider.GetRequiredService<LoopWindow>();
            var bounds = await window.BoundsAsync("project-a", now.AddHours(-24), 200_000, CancellationToken.None);
            var summary = await window.SummaryAsync("project-a", bounds, new LoopOptions(), CancellationToken.None);
            Assert.Equal((100, 20), (summary.Checks.Sum(c => c.N), summary.Checks.Sum(c => c.Failing)));
        }

        // One more v2 trace after the upgrade, its outcome kept as a mask: alone it is far below the 30 samples a judgement needs.
        await host.PublishAndWaitAsync([Traces.Trace("project-a", "order 7?", "Sure! order 7 shipped", version: 2)]);

        var rollback = await Eventually.UntilAsync(() => Task.FromResult(host.Captured<PromptRollbackRequested>().Messages.FirstOrDefault()),
            TimeSpan.FromSeconds(30), "a rollback");
        Assert.Equal((2, 1), (rollback.FromVersion, rollback.ToVersion));
        Assert.Equal((41, 21), (rollback.Evidence.SampleSize, rollback.Evidence.FailureCount));
    }

    /// <summary>An empty store the evaluator host will use (its settings), and options to reach it before the host migrates it.</summary>
    private static async Task<(Dictionary<string, string?> Settings, DbContextOptions<EvaluatorDbContext> Options)> StoreAsync()
    {
        var builder = new DbContextOptionsBuilder<EvaluatorDbContext>()
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        if (Environment.GetEnvironmentVariable("LLMOPS_EVALUATOR_TESTS_ON_POSTGRES") == "1")
        {
            var connectionString = await TestInfrastructure.CreateDatabaseAsync("evaluator");
            builder.UseNpgsql(connectionString, n => n.MigrationsHistoryTable(StorageExtensions.MigrationsHistoryTable, EvaluatorDbContext.Schema));
            return (TestInfrastructure.PostgresSettings(connectionString), builder.Options);
        }
        var directory = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        builder.UseSqlite(StorageExtensions.SqliteConnectionString(new StorageOptions { DataDirectory = directory }, EvaluatorExtensions.ServiceName),
                s => s.MigrationsHistoryTable(StorageExtensions.MigrationsHistoryTable))
            .ConfigureWarnings(w => w.Ignore(SqliteEventId.SchemaConfiguredWarning));
        return (new Dictionary<string, string?> { ["Storage:DataDirectory"] = directory }, builder.Options);
    }
}
