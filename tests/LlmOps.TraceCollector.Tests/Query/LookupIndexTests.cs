using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.TraceCollector.Tests.Query;

/// <summary>
/// The lookups by session, user, model and prompt index only rows that have one (partial indexes, so rows without pay no
/// index write). This pins that PostgreSQL still answers those lookups from them with the query parameterised, as the
/// API sends it (a generic plan, where the planner must prove <c>col = $1</c> implies <c>col IS NOT NULL</c>).
/// </summary>
public class LookupIndexTests : IAsyncLifetime
{
    private CollectorHost _collector = null!;

    public async ValueTask InitializeAsync() => _collector = await CollectorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _collector.DisposeAsync();

    [Theory]
    [InlineData("traces", "project_id = $1 AND session_id = $2", "ix_traces_project_session")]
    [InlineData("traces", "project_id = $1 AND user_id = $2", "ix_traces_project_user")]
    [InlineData("observations", "project_id = $1 AND model = $2", "ix_observations_project_model")]
    [InlineData("observations", "prompt_name = $1 AND start_time >= $2::timestamptz", "ix_observations_prompt_start")]
    public async Task A_parameterised_lookup_uses_its_partial_index(string table, string condition, string index)
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("LLMOPS_COLLECTOR_TESTS_ON_POSTGRES") == "1",
            "Query plans are PostgreSQL's; the embedded SQLite store is small enough to scan.");
        await using var scope = _collector.Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // An empty table would be scanned whatever the indexes: take scans off the table so only a usable index can win.
        command.CommandText =
            "SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan; " +
            $"PREPARE lookup(text, text) AS SELECT id FROM {TraceCollectorDbContext.Schema}.{table} WHERE {condition}; " +
            "EXPLAIN EXECUTE lookup('value', '2026-11-22T00:00:00Z')";
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                plan.Add(reader.GetString(0));
        }

        Assert.Contains(plan, line => line.Contains(index, StringComparison.Ordinal));
    }
}
