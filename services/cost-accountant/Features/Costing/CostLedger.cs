using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LlmOps.CostAccountant.Features.Costing;

/// <summary>
/// Writes priced inferences: each once into the ledger (keyed by inference id: a redelivered event adds nothing) and,
/// for the ones new to the ledger, into the per-minute rollups, in one transaction. Multi-row SQL that runs as is on
/// PostgreSQL and SQLite (<c>ON CONFLICT</c>, <c>RETURNING</c>); rollups add up in integers (nano-dollars), so sums are exact.
/// </summary>
public sealed class CostLedger(CostAccountantDbContext db)
{
    private const int RowsPerStatement = 500;

    private static readonly string[] CostColumns =
    [
        "inference_id", "project_id", "trace_id", "key_id", "user_id", "feature", "prompt_name", "prompt_version", "deployment", "provider",
        "model", "input_tokens", "output_tokens", "cached_input_tokens", "cache_write_input_tokens", "reasoning_tokens", "priced",
        "input_cost_nanos", "output_cost_nanos", "cached_input_cost_nanos", "cache_write_cost_nanos", "total_cost_nanos", "price_id",
        "cache_hit", "occurred_at", "published",
    ];

    private static readonly string[] RollupColumns =
    [
        "project_id", "minute", "model", "feature", "key_id", "user_id", "deployment", "prompt", "requests", "unpriced_requests",
        "input_tokens", "output_tokens", "cached_input_tokens", "cost_nanos",
    ];

    private string Table(string name) => db.Database.Table(CostAccountantDbContext.Schema, name);

    /// <summary>Records the costs; returns those that were new to the ledger.</summary>
    /// <summary>
    /// Adds the costs not in the ledger yet and their rollups, in one transaction, and returns them.
    /// <paramref name="beforeCommit"/> runs with the newly inserted costs before the commit (and before the rollup rows,
    /// the hot ones, are locked): the consumer publishes them there, so a cost is in the ledger only once its
    /// CostRecorded was confirmed, and a failed publish rolls the batch back for redelivery.
    /// </summary>
    public async Task<List<CostRecord>> RecordAsync(IReadOnlyList<CostRecord> costs, Func<List<CostRecord>, Task> beforeCommit,
        CancellationToken cancellationToken)
    {
        var distinct = costs.DistinctBy(c => c.InferenceId).OrderBy(c => c.InferenceId).ToList();
        var inserted = new HashSet<Guid>();
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            inserted.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var connection = db.Database.GetDbConnection();
            foreach (var chunk in distinct.Chunk(RowsPerStatement))
            {
                await using var command = BulkSql.Insert(connection, transaction.GetDbTransaction(), db.Database.IsPostgres(), Table("costs"), CostColumns, chunk, CostValues,
                    "ON CONFLICT (inference_id) DO NOTHING RETURNING inference_id");
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                    inserted.Add(reader.GetValue(0) is Guid g ? g : Guid.Parse(reader.GetString(0)));
            }
            var newlyInserted = distinct.Where(c => inserted.Contains(c.InferenceId)).ToList();
            await beforeCommit(newlyInserted);
            var rollups = newlyInserted
                .GroupBy(Key)
                .Select(g => new CostRollupRecord
                {
                    ProjectId = g.Key.ProjectId, Minute = g.Key.Minute, Model = g.Key.Model, Feature = g.Key.Feature, KeyId = g.Key.KeyId,
                    UserId = g.Key.UserId, Deployment = g.Key.Deployment, Prompt = g.Key.Prompt,
                    Requests = g.Count(),
                    UnpricedRequests = g.Count(c => !c.Priced),
                    InputTokens = g.Sum(c => c.InputTokens),
                    OutputTokens = g.Sum(c => c.OutputTokens),
                    CachedInputTokens = g.Sum(c => c.CachedInputTokens),
                    CostNanos = g.Sum(c => c.TotalCostNanos ?? 0),
                })
                // Every column of the conflict key, so concurrent batches lock rollup rows in one order and never deadlock.
                .OrderBy(r => r.ProjectId, StringComparer.Ordinal).ThenBy(r => r.Minute).ThenBy(r => r.Model, StringComparer.Ordinal)
                .ThenBy(r => r.Feature, StringComparer.Ordinal).ThenBy(r => r.KeyId, StringComparer.Ordinal)
                .ThenBy(r => r.UserId, StringComparer.Ordinal).ThenBy(r => r.Deployment, StringComparer.Ordinal)
                .ThenBy(r => r.Prompt, StringComparer.Ordinal)
                .ToList();
            var sums = string.Join(", ", RollupColumns.Skip(8).Select(c => $"{c} = t.{c} + excluded.{c}"));
            foreach (var chunk in rollups.Chunk(RowsPerStatement))
            {
                await using var command = BulkSql.Insert(connection, transaction.GetDbTransaction(), db.Database.IsPostgres(), Table("cost_rollups"), RollupColumns, chunk, RollupValues,
                    $"ON CONFLICT (project_id, minute, model, feature, key_id, user_id, deployment, prompt) DO UPDATE SET {sums}");
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        });
        return distinct.Where(c => inserted.Contains(c.InferenceId)).ToList();
    }

    /// <summary>The rollup a cost adds to: its minute and its dimensions (empty string for "none"; capped to the key sizes).</summary>
    public static (string ProjectId, DateTime Minute, string Model, string Feature, string KeyId, string UserId, string Deployment, string Prompt) Key(CostRecord c) =>
        (c.ProjectId,
            new DateTime(c.OccurredAt.Ticks - c.OccurredAt.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc),
            Cap(c.Model, 200), Cap(c.Feature, 256), Cap(c.KeyId, 64), Cap(c.UserId, 256), Cap(c.Deployment, 200),
            c.PromptName is null ? "" : Cap($"{c.PromptName}#{c.PromptVersion}", 300));

    private static string Cap(string? value, int max) => value is null ? "" : value.Length <= max ? value : value[..max];

    private static object?[] CostValues(CostRecord c) =>
    [
        c.InferenceId, c.ProjectId, c.TraceId, c.KeyId, c.UserId, c.Feature, c.PromptName, c.PromptVersion, c.Deployment, c.Provider,
        c.Model, c.InputTokens, c.OutputTokens, c.CachedInputTokens, c.CacheWriteInputTokens, c.ReasoningTokens, c.Priced,
        c.InputCostNanos, c.OutputCostNanos, c.CachedInputCostNanos, c.CacheWriteCostNanos, c.TotalCostNanos, c.PriceId,
        c.CacheHit, c.OccurredAt, true,
    ];

    private static object?[] RollupValues(CostRollupRecord r) =>
    [
        r.ProjectId, r.Minute, r.Model, r.Feature, r.KeyId, r.UserId, r.Deployment, r.Prompt, r.Requests, r.UnpricedRequests,
        r.InputTokens, r.OutputTokens, r.CachedInputTokens, r.CostNanos,
    ];
}
