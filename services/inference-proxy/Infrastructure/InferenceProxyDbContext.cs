using Microsoft.EntityFrameworkCore;

namespace LlmOps.InferenceProxy.Infrastructure;

/// <summary>Projects and their keys. Nothing on the request path reads it: keys are served from memory.</summary>
public sealed class InferenceProxyDbContext(DbContextOptions<InferenceProxyDbContext> options) : DbContext(options)
{
    public const string Schema = "inference_proxy";

    public DbSet<ProjectRecord> Projects => Set<ProjectRecord>();
    public DbSet<ApiKeyRecord> ApiKeys => Set<ApiKeyRecord>();

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
    }
}
