using Microsoft.EntityFrameworkCore;

namespace LlmOps.InferenceProxy.Infrastructure;

/// <summary>Projects and their keys. Nothing on the request path reads it: keys are served from memory.</summary>
public sealed class InferenceProxyDbContext(DbContextOptions<InferenceProxyDbContext> options) : DbContext(options)
{
    public const string Schema = "inference_proxy";

    public DbSet<ProjectRecord> Projects => Set<ProjectRecord>();
    public DbSet<ApiKeyRecord> ApiKeys => Set<ApiKeyRecord>();
    public DbSet<PromptRecord> Prompts => Set<PromptRecord>();
    public DbSet<PromptVersionRecord> PromptVersions => Set<PromptVersionRecord>();
    public DbSet<PromptLabelRecord> PromptLabels => Set<PromptLabelRecord>();
    public DbSet<PromptLabelEventRecord> PromptLabelEvents => Set<PromptLabelEventRecord>();
    public DbSet<PromptActionRecord> PromptActions => Set<PromptActionRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<ProjectRecord>(project =>
        {
            project.ToTable("projects");
            project.HasKey(p => p.Id);
            project.Property(p => p.Id).HasColumnName("id").HasMaxLength(64);
            project.Property(p => p.Name).HasColumnName("name").HasMaxLength(200);
            project.Property(p => p.CaptureContent).HasColumnName("capture_content");
            project.Property(p => p.CacheTtlSeconds).HasColumnName("cache_ttl_seconds");
            project.Property(p => p.RequestsPerMinute).HasColumnName("requests_per_minute");
            project.Property(p => p.TokensPerMinute).HasColumnName("tokens_per_minute");
            project.Property(p => p.GuardrailsJson).HasColumnName("guardrails");
            project.Property(p => p.SemanticCacheJson).HasColumnName("semantic_cache");
            project.Property(p => p.TraceRetentionDays).HasColumnName("trace_retention_days");
            project.Property(p => p.RedactTracePii).HasColumnName("redact_trace_pii");
            project.Property(p => p.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<ApiKeyRecord>(key =>
        {
            key.ToTable("api_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasColumnName("id").HasMaxLength(64);
            key.Property(k => k.ProjectId).HasColumnName("project_id").HasMaxLength(64);
            key.Property(k => k.Name).HasColumnName("name").HasMaxLength(200);
            key.Property(k => k.Prefix).HasColumnName("prefix").HasMaxLength(32);
            key.Property(k => k.KeyHash).HasColumnName("key_hash").HasMaxLength(64);
            key.Property(k => k.AllowedModels).HasColumnName("allowed_models");
            key.Property(k => k.RequestsPerMinute).HasColumnName("requests_per_minute");
            key.Property(k => k.TokensPerMinute).HasColumnName("tokens_per_minute");
            key.Property(k => k.ExpiresAt).HasColumnName("expires_at");
            key.Property(k => k.CreatedAt).HasColumnName("created_at");
            key.Property(k => k.RevokedAt).HasColumnName("revoked_at");
            key.Property(k => k.RevokedBy).HasColumnName("revoked_by").HasMaxLength(200);
            key.HasIndex(k => k.KeyHash).IsUnique().HasDatabaseName("ux_api_keys_hash");
            key.HasIndex(k => k.ProjectId).HasDatabaseName("ix_api_keys_project");
            key.HasOne<ProjectRecord>().WithMany().HasForeignKey(k => k.ProjectId)
                .HasConstraintName("fk_api_keys_project").OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<PromptRecord>(prompt =>
        {
            prompt.ToTable("prompts");
            prompt.HasKey(p => new { p.ProjectId, p.Name });
            prompt.Property(p => p.ProjectId).HasColumnName("project_id").HasMaxLength(64);
            prompt.Property(p => p.Name).HasColumnName("name").HasMaxLength(128);
            prompt.Property(p => p.Policy).HasColumnName("policy").HasMaxLength(16);
            prompt.Property(p => p.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<PromptVersionRecord>(version =>
        {
            version.ToTable("prompt_versions");
            version.HasKey(v => new { v.ProjectId, v.Name, v.Version });
            version.Property(v => v.ProjectId).HasColumnName("project_id").HasMaxLength(64);
            version.Property(v => v.Name).HasColumnName("name").HasMaxLength(128);
            version.Property(v => v.Version).HasColumnName("version");
            version.Property(v => v.Messages).HasColumnName("messages");
            version.Property(v => v.Model).HasColumnName("model");
            version.Property(v => v.Parameters).HasColumnName("parameters");
            version.Property(v => v.ResponseSchema).HasColumnName("response_schema");
            version.Property(v => v.CommitMessage).HasColumnName("commit_message");
            version.Property(v => v.Author).HasColumnName("author").HasMaxLength(200);
            version.Property(v => v.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<PromptLabelRecord>(label =>
        {
            label.ToTable("prompt_labels");
            label.HasKey(l => new { l.ProjectId, l.Name, l.Label });
            label.Property(l => l.ProjectId).HasColumnName("project_id").HasMaxLength(64);
            label.Property(l => l.Name).HasColumnName("name").HasMaxLength(128);
            label.Property(l => l.Label).HasColumnName("label").HasMaxLength(64);
            label.Property(l => l.Target).HasColumnName("target");
            label.Property(l => l.UpdatedAt).HasColumnName("updated_at");
            label.Property(l => l.UpdatedBy).HasColumnName("updated_by").HasMaxLength(200);
        });

        modelBuilder.Entity<PromptLabelEventRecord>(move =>
        {
            move.ToTable("prompt_label_events");
            move.HasKey(e => e.Id);
            move.Property(e => e.Id).HasColumnName("id");
            move.Property(e => e.ProjectId).HasColumnName("project_id").HasMaxLength(64);
            move.Property(e => e.Name).HasColumnName("name").HasMaxLength(128);
            move.Property(e => e.Label).HasColumnName("label").HasMaxLength(64);
            move.Property(e => e.FromTarget).HasColumnName("from_target");
            move.Property(e => e.ToTarget).HasColumnName("to_target");
            move.Property(e => e.Actor).HasColumnName("actor").HasMaxLength(200);
            move.Property(e => e.Reason).HasColumnName("reason");
            move.Property(e => e.ActionId).HasColumnName("action_id");
            move.Property(e => e.At).HasColumnName("at");
            move.HasIndex(e => new { e.ProjectId, e.Name, e.Label, e.At }).HasDatabaseName("ix_prompt_label_events_label");
        });

        modelBuilder.Entity<PromptActionRecord>(action =>
        {
            action.ToTable("prompt_actions");
            action.HasKey(a => a.ActionId);
            action.Property(a => a.ActionId).HasColumnName("action_id");
            action.Property(a => a.ProjectId).HasColumnName("project_id").HasMaxLength(64);
            action.Property(a => a.Name).HasColumnName("name").HasMaxLength(128);
            action.Property(a => a.Label).HasColumnName("label").HasMaxLength(64);
            action.Property(a => a.FromVersion).HasColumnName("from_version");
            action.Property(a => a.ToVersion).HasColumnName("to_version");
            action.Property(a => a.Reason).HasColumnName("reason");
            action.Property(a => a.Evidence).HasColumnName("evidence");
            action.Property(a => a.Status).HasColumnName("status").HasMaxLength(16);
            action.Property(a => a.DecidedBy).HasColumnName("decided_by").HasMaxLength(200);
            action.Property(a => a.DecisionReason).HasColumnName("decision_reason");
            action.Property(a => a.CreatedAt).HasColumnName("created_at");
            action.Property(a => a.DecidedAt).HasColumnName("decided_at");
            action.HasIndex(a => new { a.ProjectId, a.Name, a.Status }).HasDatabaseName("ix_prompt_actions_prompt");
        });
    }
}
