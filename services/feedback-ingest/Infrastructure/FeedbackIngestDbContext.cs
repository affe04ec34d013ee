using Microsoft.EntityFrameworkCore;

namespace LlmOps.FeedbackIngest.Infrastructure;

public sealed class FeedbackIngestDbContext(DbContextOptions<FeedbackIngestDbContext> options) : DbContext(options)
{
    public const string Schema = "feedback_ingest";

    public DbSet<FeedbackRecord> Feedback => Set<FeedbackRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<FeedbackRecord>(feedback =>
        {
            feedback.ToTable("feedback");
            feedback.HasKey(f => new { f.ProjectId, f.Id });
            feedback.Property(f => f.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            feedback.Property(f => f.Id).HasColumnName("id");
            feedback.Property(f => f.TraceId).HasColumnName("trace_id").HasMaxLength(64);
            feedback.Property(f => f.ObservationId).HasColumnName("observation_id").HasMaxLength(64);
            feedback.Property(f => f.Kind).HasColumnName("kind").HasMaxLength(16);
            feedback.Property(f => f.Value).HasColumnName("value");
            feedback.Property(f => f.Label).HasColumnName("label");
            feedback.Property(f => f.Comment).HasColumnName("comment");
            feedback.Property(f => f.Correction).HasColumnName("correction");
            feedback.Property(f => f.UserId).HasColumnName("user_id");
            feedback.Property(f => f.IdempotencyKey).HasColumnName("idempotency_key");
            feedback.Property(f => f.ReceivedAt).HasColumnName("received_at");
            feedback.Property(f => f.Published).HasColumnName("published");
            feedback.HasIndex(f => new { f.ProjectId, f.TraceId }).HasDatabaseName("ix_feedback_project_trace");
            feedback.HasIndex(f => f.ReceivedAt).HasDatabaseName("ix_feedback_unpublished").HasFilter("NOT published");
        });
    }
}
