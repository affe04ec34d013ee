using Microsoft.EntityFrameworkCore;

namespace LlmOps.CostAccountant.Infrastructure;

public sealed class CostAccountantDbContext(DbContextOptions<CostAccountantDbContext> options) : DbContext(options)
{
    public const string Schema = "cost_accountant";

    public DbSet<PriceRecord> Prices => Set<PriceRecord>();
    public DbSet<CostRecord> Costs => Set<CostRecord>();
    public DbSet<CostRollupRecord> Rollups => Set<CostRollupRecord>();
    public DbSet<BudgetRecord> Budgets => Set<BudgetRecord>();
    public DbSet<BudgetStateRecord> BudgetStates => Set<BudgetStateRecord>();
    public DbSet<BudgetLeaseRecord> BudgetLeases => Set<BudgetLeaseRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<PriceRecord>(price =>
        {
            price.ToTable("prices");
            price.HasKey(p => p.Id);
            price.Property(p => p.Id).HasColumnName("id").HasMaxLength(300);
            price.Property(p => p.Provider).HasColumnName("provider").HasMaxLength(64);
            price.Property(p => p.Model).HasColumnName("model").HasMaxLength(200);
            price.Property(p => p.Aliases).HasColumnName("aliases");
            price.Property(p => p.Input).HasColumnName("input").HasPrecision(18, 6);
            price.Property(p => p.Output).HasColumnName("output").HasPrecision(18, 6);
            price.Property(p => p.CachedInput).HasColumnName("cached_input").HasPrecision(18, 6);
            price.Property(p => p.CacheWrite).HasColumnName("cache_write").HasPrecision(18, 6);
            price.Property(p => p.EffectiveFrom).HasColumnName("effective_from");
            price.Property(p => p.Source).HasColumnName("source").HasMaxLength(16);
            price.Property(p => p.Uncertain).HasColumnName("uncertain");
            price.Property(p => p.Comment).HasColumnName("comment");
            price.Property(p => p.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<CostRecord>(cost =>
        {
            cost.ToTable("costs");
            cost.HasKey(c => c.InferenceId);
            cost.Property(c => c.InferenceId).HasColumnName("inference_id");
            cost.Property(c => c.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            cost.Property(c => c.TraceId).HasColumnName("trace_id").HasMaxLength(64);
            cost.Property(c => c.KeyId).HasColumnName("key_id");
            cost.Property(c => c.UserId).HasColumnName("user_id");
            cost.Property(c => c.Feature).HasColumnName("feature");
            cost.Property(c => c.PromptName).HasColumnName("prompt_name");
            cost.Property(c => c.PromptVersion).HasColumnName("prompt_version");
            cost.Property(c => c.Deployment).HasColumnName("deployment");
            cost.Property(c => c.Provider).HasColumnName("provider");
            cost.Property(c => c.Model).HasColumnName("model");
            cost.Property(c => c.InputTokens).HasColumnName("input_tokens");
            cost.Property(c => c.OutputTokens).HasColumnName("output_tokens");
            cost.Property(c => c.CachedInputTokens).HasColumnName("cached_input_tokens");
            cost.Property(c => c.CacheWriteInputTokens).HasColumnName("cache_write_input_tokens");
            cost.Property(c => c.ReasoningTokens).HasColumnName("reasoning_tokens");
            cost.Property(c => c.Priced).HasColumnName("priced");
            cost.Property(c => c.InputCostNanos).HasColumnName("input_cost_nanos");
            cost.Property(c => c.OutputCostNanos).HasColumnName("output_cost_nanos");
            cost.Property(c => c.CachedInputCostNanos).HasColumnName("cached_input_cost_nanos");
            cost.Property(c => c.CacheWriteCostNanos).HasColumnName("cache_write_cost_nanos");
            cost.Property(c => c.TotalCostNanos).HasColumnName("total_cost_nanos");
            cost.Property(c => c.PriceId).HasColumnName("price_id");
            cost.Property(c => c.CacheHit).HasColumnName("cache_hit");
            cost.Property(c => c.OccurredAt).HasColumnName("occurred_at");
            cost.Property(c => c.Published).HasColumnName("published");
            cost.HasIndex(c => new { c.ProjectId, c.OccurredAt }).HasDatabaseName("ix_costs_project_time");
        });

        modelBuilder.Entity<BudgetRecord>(budget =>
        {
            budget.ToTable("budgets");
            budget.HasKey(b => b.Id);
            budget.Property(b => b.Id).HasColumnName("id");
            budget.Property(b => b.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            budget.Property(b => b.Scope).HasColumnName("scope").HasMaxLength(16);
            budget.Property(b => b.ScopeValue).HasColumnName("scope_value").HasMaxLength(256);
            budget.Property(b => b.Period).HasColumnName("period").HasMaxLength(16);
            budget.Property(b => b.RollingHours).HasColumnName("rolling_hours");
            budget.Property(b => b.AmountNanos).HasColumnName("amount_nanos");
            budget.Property(b => b.Thresholds).HasColumnName("thresholds");
            budget.Property(b => b.CreatedAt).HasColumnName("created_at");
            budget.Property(b => b.UpdatedAt).HasColumnName("updated_at");
            budget.HasIndex(b => b.ProjectId).HasDatabaseName("ix_budgets_project");
        });

        modelBuilder.Entity<BudgetStateRecord>(state =>
        {
            state.ToTable("budget_states");
            state.HasKey(s => s.BudgetId);
            state.Property(s => s.BudgetId).HasColumnName("budget_id");
            state.Property(s => s.PeriodStart).HasColumnName("period_start");
            state.Property(s => s.SpentNanos).HasColumnName("spent_nanos");
            state.Property(s => s.CrossedMask).HasColumnName("crossed_mask");
            state.Property(s => s.Exhausted).HasColumnName("exhausted");
            state.Property(s => s.Version).HasColumnName("version");
            state.Property(s => s.UpdatedAt).HasColumnName("updated_at");
        });

        modelBuilder.Entity<BudgetLeaseRecord>(lease =>
        {
            lease.ToTable("budget_leases");
            lease.HasKey(l => l.Id);
            lease.Property(l => l.Id).HasColumnName("id");
            lease.Property(l => l.BudgetId).HasColumnName("budget_id");
            lease.Property(l => l.ReplicaId).HasColumnName("replica_id").HasMaxLength(200);
            lease.Property(l => l.PeriodStart).HasColumnName("period_start");
            lease.Property(l => l.GrantedNanos).HasColumnName("granted_nanos");
            lease.Property(l => l.SpentNanos).HasColumnName("spent_nanos");
            lease.Property(l => l.Closed).HasColumnName("closed");
            lease.Property(l => l.CreatedAt).HasColumnName("created_at");
            lease.Property(l => l.ClosedAt).HasColumnName("closed_at");
            lease.HasIndex(l => new { l.BudgetId, l.PeriodStart }).HasDatabaseName("ix_budget_leases_budget_period");
        });

        modelBuilder.Entity<CostRollupRecord>(rollup =>
        {
            rollup.ToTable("cost_rollups");
            rollup.HasKey(r => new { r.ProjectId, r.Minute, r.Model, r.Feature, r.KeyId, r.UserId, r.Deployment, r.Prompt });
            rollup.Property(r => r.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            rollup.Property(r => r.Minute).HasColumnName("minute");
            rollup.Property(r => r.Model).HasColumnName("model").HasMaxLength(200);
            rollup.Property(r => r.Feature).HasColumnName("feature").HasMaxLength(256);
            rollup.Property(r => r.KeyId).HasColumnName("key_id").HasMaxLength(64);
            rollup.Property(r => r.UserId).HasColumnName("user_id").HasMaxLength(256);
            rollup.Property(r => r.Deployment).HasColumnName("deployment").HasMaxLength(200);
            rollup.Property(r => r.Prompt).HasColumnName("prompt").HasMaxLength(300);
            rollup.Property(r => r.Requests).HasColumnName("requests");
            rollup.Property(r => r.UnpricedRequests).HasColumnName("unpriced_requests");
            rollup.Property(r => r.InputTokens).HasColumnName("input_tokens");
            rollup.Property(r => r.OutputTokens).HasColumnName("output_tokens");
            rollup.Property(r => r.CachedInputTokens).HasColumnName("cached_input_tokens");
            rollup.Property(r => r.CostNanos).HasColumnName("cost_nanos");
        });
    }
}
