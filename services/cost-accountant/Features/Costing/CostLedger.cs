using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NpgsqlTypes;

namespace LlmOps.CostAccountant.Features.Costing;

/// <summary>
/// Writes priced inferences: each once into the ledger (keyed by inference id: a redelivered event adds nothing) and,
/// for the ones new to the ledger, into the per-minute rollups, in one transaction. Both go through
/// <see cref="BulkSql.UpsertAsync{T}(System.Data.Common.DbConnection, System.Data.Common.DbTransaction, string, string, string[], NpgsqlDbType[], string, string, IReadOnlyList{T}, Action{T, List{object?}}, Action{System.Data.Common.DbDataReader}?, CancellationToken)"/>
/// (binary COPY on PostgreSQL, which halved the ledger's share of the CPU against bound parameters; multi-row
/// <c>ON CONFLICT … RETURNING</c> on SQLite); rollups add up in integers (nano-dollars), so sums are exact.
/// </summary>
public sealed class CostLedger(CostAccountantDbContext db)
{
    private static readonly string[] CostColumns =
    [
        "inference_id", "project_id", "trace_id", "key_id", "user_id", "feature", "prompt_name", "prompt_version", "deployment", "provider",
        "model", "input_tokens", "output_tokens", "cached_input_tokens", "cache_write_input_tokens", "reasoning_tokens", "priced",
        "input_cost_nanos", "output_cost_nanos", "cached_input_cost_nanos", "cache_write_cost_nanos", "total_cost_nanos", "price_id",
        "cache_hit", "occurred_at", "published",
    ];

    private static readonly NpgsqlDbType[] CostTypes =
    [
        NpgsqlDbType.Uuid, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text,
        NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint,
        NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Boolean, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint,
        NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Text, NpgsqlDbType.Boolean, NpgsqlDbType.TimestampTz, NpgsqlDbType.Boolean,
    ];

    private static readonly string[] RollupColumns =
    [
        "project_id", "minute", "model", "feature", "key_id", "user_id", "deployment", "prompt", "requests", "unpriced_requests",
        "input_tokens", "output_tokens", "cached_input_tokens", "cost_nanos",
    ];

    private static readonly NpgsqlDbType[] RollupTypes =
    [
        NpgsqlDbType.Varchar, NpgsqlDbType.TimestampTz, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Varchar,
        NpgsqlDbType.Varchar, NpgsqlDbType.Varchar, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint, NpgsqlDbType.Bigint,
        NpgsqlDbType.Bigint, NpgsqlDbType.Bigint,
    ];

    private static readonly string RollupKey = string.Join(", ", RollupColumns[..8]);

    private static readonly string RollupSums = string.Join(", ", RollupColumns.Skip(8).Select(c => $"{c} = t.{c} + excluded.{c}"));

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
            await BulkSql.UpsertAsync(connection, transaction.GetDbTransaction(), "costs", Table("costs"), CostColumns, CostTypes, "inference_id",
                "ON CONFLICT (inference_id) DO NOTHING RETURNING inference_id", distinct, CostValues,
                reader => inserted.Add(reader.GetValue(0) is Guid g ? g : Guid.Parse(reader.GetString(0))), cancellationToken);
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
                .ToList();
            // Ordered by the whole conflict key in the upsert itself, so concurrent batches lock rollup rows in one order and never deadlock.
            await BulkSql.UpsertAsync(connection, transaction.GetDbTransaction(), "cost_rollups", Table("cost_rollups"), RollupColumns, RollupTypes,
                RollupKey, $"ON CONFLICT ({RollupKey}) DO UPDATE SET {RollupSums}", rollups, RollupValues, cancellationToken);
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

    private static void CostValues(CostRecord c, List<object?> values) => values.AddRange(
    [
        c.InferenceId, c.ProjectId, c.TraceId, c.KeyId, c.UserId, c.Feature, c.PromptName, c.PromptVersion, c.Deployment, c.Provider,
        c.Model, c.InputTokens, c.OutputTokens, c.CachedInputTokens, c.CacheWriteInputTokens, c.ReasoningTokens, c.Priced,
        c.InputCostNanos, c.OutputCostNanos, c.CachedInputCostNanos, c.CacheWriteCostNanos, c.TotalCostNanos, c.PriceId,
        c.CacheHit, c.OccurredAt, true,
    ]);

    private static void RollupValues(CostRollupRecord r, List<object?> values) => values.AddRange(
    [
        r.ProjectId, r.Minute, r.Model, r.Feature, r.KeyId, r.UserId, r.Deployment, r.Prompt, r.Requests, r.UnpricedRequests,
        r.InputTokens, r.OutputTokens, r.CachedInputTokens, r.CostNanos,
    ]);
}
