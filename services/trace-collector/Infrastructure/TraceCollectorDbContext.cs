using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Infrastructure;

public sealed class TraceCollectorDbContext(DbContextOptions<TraceCollectorDbContext> options) : DbContext(options)
{
    public const string Schema = "trace_collector";

    public DbSet<TraceRecord> Traces => Set<TraceRecord>();
    public DbSet<ObservationRecord> Observations => Set<ObservationRecord>();
    public DbSet<ScoreRecord> Scores => Set<ScoreRecord>();
    public DbSet<ProjectPolicyRecord> ProjectPolicies => Set<ProjectPolicyRecord>();
    public DbSet<TraceRollupRecord> TraceRollups => Set<TraceRollupRecord>();
    public DbSet<ScoreRollupRecord> ScoreRollups => Set<ScoreRollupRecord>();
    public DbSet<GenerationRollupRecord> GenerationRollups => Set<GenerationRollupRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<TraceRecord>(trace =>
        {
            trace.ToTable("traces");
            trace.HasKey(t => new { t.ProjectId, t.Id });
            trace.Property(t => t.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            trace.Property(t => t.Id).HasColumnName("id").HasMaxLength(64);
            trace.Property(t => t.Name).HasColumnName("name");
            trace.Property(t => t.UserId).HasColumnName("user_id");
            trace.Property(t => t.SessionId).HasColumnName("session_id");
            trace.Property(t => t.Feature).HasColumnName("feature");
            trace.Property(t => t.StartTime).HasColumnName("start_time");
            trace.Property(t => t.EndTime).HasColumnName("end_time");
            trace.Property(t => t.Status).HasColumnName("status");
            trace.Property(t => t.Input).HasColumnName("input");
            trace.Property(t => t.Output).HasColumnName("output");
            trace.Property(t => t.Metadata).HasColumnName("metadata");
            trace.Property(t => t.CreatedAt).HasColumnName("created_at");
            trace.Property(t => t.UpdatedAt).HasColumnName("updated_at");
            trace.Property(t => t.LastActivityAt).HasColumnName("last_activity_at");
            trace.Property(t => t.Pending).HasColumnName("pending");
            trace.Property(t => t.Revision).HasColumnName("revision");
            trace.Property(t => t.RollupMinute).HasColumnName("rollup_minute");
            trace.Property(t => t.RollupFeature).HasColumnName("rollup_feature");
            trace.Property(t => t.RollupBucket).HasColumnName("rollup_bucket");
            trace.Property(t => t.RollupError).HasColumnName("rollup_error");
            trace.HasIndex(t => t.StartTime).HasDatabaseName("ix_traces_start");
            trace.HasIndex(t => new { t.ProjectId, t.StartTime }).HasDatabaseName("ix_traces_project_start");
            trace.HasIndex(t => new { t.ProjectId, t.SessionId }).HasDatabaseName("ix_traces_project_session").HasFilter("session_id IS NOT NULL");
            trace.HasIndex(t => new { t.ProjectId, t.UserId }).HasDatabaseName("ix_traces_project_user").HasFilter("user_id IS NOT NULL");
            trace.HasIndex(t => t.LastActivityAt).HasDatabaseName("ix_traces_pending").HasFilter("pending");
        });

        modelBuilder.Entity<ObservationRecord>(observation =>
        {
            observation.ToTable("observations");
            observation.HasKey(o => new { o.ProjectId, o.Id });
            observation.Property(o => o.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            observation.Property(o => o.Id).HasColumnName("id").HasMaxLength(64);
            observation.Property(o => o.TraceId).HasColumnName("trace_id").HasMaxLength(64);
            observation.Property(o => o.ParentId).HasColumnName("parent_id").HasMaxLength(64);
            observation.Property(o => o.Type).HasColumnName("type").HasMaxLength(32);
            observation.Property(o => o.Name).HasColumnName("name");
            observation.Property(o => o.StartTime).HasColumnName("start_time");
            observation.Property(o => o.EndTime).HasColumnName("end_time");
            observation.Property(o => o.CompletionStartTime).HasColumnName("completion_start_time");
            observation.Property(o => o.Model).HasColumnName("model");
            observation.Property(o => o.Provider).HasColumnName("provider");
            observation.Property(o => o.Deployment).HasColumnName("deployment");
            observation.Property(o => o.PromptName).HasColumnName("prompt_name");
            observation.Property(o => o.PromptVersion).HasColumnName("prompt_version");
            observation.Property(o => o.InputTokens).HasColumnName("input_tokens");
            observation.Property(o => o.OutputTokens).HasColumnName("output_tokens");
            observation.Property(o => o.CachedInputTokens).HasColumnName("cached_input_tokens");
            observation.Property(o => o.ReasoningTokens).HasColumnName("reasoning_tokens");
            observation.Property(o => o.UsageEstimated).HasColumnName("usage_estimated");
            observation.Property(o => o.Status).HasColumnName("status");
            observation.Property(o => o.StatusMessage).HasColumnName("status_message");
            observation.Property(o => o.Input).HasColumnName("input");
            observation.Property(o => o.Output).HasColumnName("output");
            observation.Property(o => o.Metadata).HasColumnName("metadata");
            observation.Property(o => o.InferenceId).HasColumnName("inference_id");
            observation.Property(o => o.CreatedAt).HasColumnName("created_at");
            observation.Property(o => o.UpdatedAt).HasColumnName("updated_at");
            observation.HasIndex(o => new { o.ProjectId, o.TraceId }).HasDatabaseName("ix_observations_project_trace");
            observation.HasIndex(o => new { o.ProjectId, o.Model }).HasDatabaseName("ix_observations_project_model").HasFilter("model IS NOT NULL");
            observation.Property(o => o.RollupMinute).HasColumnName("rollup_minute");
            observation.Property(o => o.RollupBucket).HasColumnName("rollup_bucket");
            observation.Property(o => o.RollupCache).HasColumnName("rollup_cache");
            observation.HasIndex(o => new { o.PromptName, o.StartTime }).HasDatabaseName("ix_observations_prompt_start").HasFilter("prompt_name IS NOT NULL");
            // Only counted generations are indexed (partial), so other observations cost no extra index write.
            observation.HasIndex(o => o.RollupMinute).HasDatabaseName("ix_observations_rollup_minute").HasFilter("rollup_minute IS NOT NULL");
        });

        modelBuilder.Entity<ProjectPolicyRecord>(policy =>
        {
            policy.ToTable("project_policies");
            policy.HasKey(p => p.ProjectId);
            policy.Property(p => p.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            policy.Property(p => p.RetentionDays).HasColumnName("retention_days");
            policy.Property(p => p.RedactPii).HasColumnName("redact_pii");
            policy.Property(p => p.UpdatedAt).HasColumnName("updated_at");
        });

        modelBuilder.Entity<ScoreRecord>(score =>
        {
            score.ToTable("scores");
            score.HasKey(s => new { s.ProjectId, s.Id });
            score.Property(s => s.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            score.Property(s => s.Id).HasColumnName("id").HasMaxLength(128);
            score.Property(s => s.TraceId).HasColumnName("trace_id").HasMaxLength(64);
            score.Property(s => s.ObservationId).HasColumnName("observation_id").HasMaxLength(64);
            score.Property(s => s.SessionId).HasColumnName("session_id");
            score.Property(s => s.Name).HasColumnName("name").HasMaxLength(200);
            score.Property(s => s.DataType).HasColumnName("data_type").HasMaxLength(32);
            score.Property(s => s.Value).HasColumnName("value");
            score.Property(s => s.Label).HasColumnName("label");
            score.Property(s => s.Comment).HasColumnName("comment");
            score.Property(s => s.Source).HasColumnName("source").HasMaxLength(32);
            score.Property(s => s.Status).HasColumnName("status").HasMaxLength(32);
            score.Property(s => s.EvaluatorName).HasColumnName("evaluator_name");
            score.Property(s => s.JudgeModel).HasColumnName("judge_model");
            score.Property(s => s.Timestamp).HasColumnName("timestamp");
            score.Property(s => s.CreatedAt).HasColumnName("created_at");
            score.Property(s => s.UpdatedAt).HasColumnName("updated_at");
            score.Property(s => s.RollupMinute).HasColumnName("rollup_minute");
            score.Property(s => s.RollupName).HasColumnName("rollup_name");
            score.Property(s => s.RollupValue).HasColumnName("rollup_value");
            score.HasIndex(s => new { s.ProjectId, s.Timestamp }).HasDatabaseName("ix_scores_project_time");
            score.HasIndex(s => s.Timestamp).HasDatabaseName("ix_scores_time");
            score.HasIndex(s => new { s.ProjectId, s.TraceId }).HasDatabaseName("ix_scores_project_trace");
            score.HasIndex(s => new { s.ProjectId, s.Name, s.Value }).HasDatabaseName("ix_scores_project_name_value");
        });

        modelBuilder.Entity<TraceRollupRecord>(rollup =>
        {
            rollup.ToTable("trace_rollups");
            rollup.HasKey(r => new { r.Minute, r.ProjectId, r.Feature });
            rollup.Property(r => r.Minute).HasColumnName("minute");
            rollup.Property(r => r.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            rollup.Property(r => r.Feature).HasColumnName("feature");
            rollup.Property(r => r.Traces).HasColumnName("traces");
            rollup.Property(r => r.Errors).HasColumnName("errors");
            rollup.Property(r => r.Latency).HasColumnName("latency");
            rollup.HasIndex(r => new { r.ProjectId, r.Minute }).HasDatabaseName("ix_trace_rollups_project_minute");
        });

        modelBuilder.Entity<ScoreRollupRecord>(rollup =>
        {
            rollup.ToTable("score_rollups");
            rollup.HasKey(r => new { r.Minute, r.ProjectId, r.Name });
            rollup.Property(r => r.Minute).HasColumnName("minute");
            rollup.Property(r => r.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            rollup.Property(r => r.Name).HasColumnName("name").HasMaxLength(200);
            rollup.Property(r => r.Count).HasColumnName("count");
            rollup.Property(r => r.Sum).HasColumnName("sum");
            rollup.HasIndex(r => new { r.ProjectId, r.Minute }).HasDatabaseName("ix_score_rollups_project_minute");
        });

        modelBuilder.Entity<GenerationRollupRecord>(rollup =>
        {
            rollup.ToTable("generation_rollups");
            rollup.HasKey(r => new { r.Minute, r.ProjectId, r.TtftBucket });
            rollup.Property(r => r.Minute).HasColumnName("minute");
            rollup.Property(r => r.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            rollup.Property(r => r.TtftBucket).HasColumnName("ttft_bucket");
            rollup.Property(r => r.Generations).HasColumnName("generations");
            rollup.Property(r => r.CacheLookups).HasColumnName("cache_lookups");
            rollup.Property(r => r.CacheHits).HasColumnName("cache_hits");
            rollup.HasIndex(r => new { r.ProjectId, r.Minute }).HasDatabaseName("ix_generation_rollups_project_minute");
        });
    }
}
