using Microsoft.EntityFrameworkCore;

namespace LlmOps.Alerting.Infrastructure;

public sealed class AlertingDbContext(DbContextOptions<AlertingDbContext> options) : DbContext(options)
{
    public const string Schema = "alerting";

    public DbSet<AlertRecord> Alerts => Set<AlertRecord>();
    public DbSet<AlertHistoryRecord> History => Set<AlertHistoryRecord>();
    public DbSet<NotificationLogRecord> NotificationLog => Set<NotificationLogRecord>();
    public DbSet<DeliveryRecord> Deliveries => Set<DeliveryRecord>();
    public DbSet<SilenceRecord> Silences => Set<SilenceRecord>();
    public DbSet<RuleRecord> Rules => Set<RuleRecord>();
    public DbSet<MetricCheckpointRecord> MetricCheckpoints => Set<MetricCheckpointRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<AlertRecord>(alert =>
        {
            alert.ToTable("alerts");
            alert.HasKey(a => a.Fingerprint);
            alert.Property(a => a.Fingerprint).HasColumnName("fingerprint").HasMaxLength(32);
            alert.Property(a => a.RuleName).HasColumnName("rule_name").HasMaxLength(200);
            alert.Property(a => a.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            alert.Property(a => a.Severity).HasColumnName("severity").HasMaxLength(16);
            alert.Property(a => a.Labels).HasColumnName("labels");
            alert.Property(a => a.Annotations).HasColumnName("annotations");
            alert.Property(a => a.State).HasColumnName("state").HasMaxLength(16);
            alert.Property(a => a.ActiveAt).HasColumnName("active_at");
            alert.Property(a => a.FiredAt).HasColumnName("fired_at");
            alert.Property(a => a.KeepFiringSince).HasColumnName("keep_firing_since");
            alert.Property(a => a.ResolvedAt).HasColumnName("resolved_at");
            alert.Property(a => a.Value).HasColumnName("value");
            alert.Property(a => a.Threshold).HasColumnName("threshold");
            alert.Property(a => a.AcknowledgedBy).HasColumnName("acknowledged_by").HasMaxLength(200);
            alert.Property(a => a.AcknowledgedAt).HasColumnName("acknowledged_at");
            alert.Property(a => a.ResolvedBy).HasColumnName("resolved_by").HasMaxLength(200);
            alert.Property(a => a.UnpublishedEvent).HasColumnName("unpublished_event").HasMaxLength(16);
            alert.Property(a => a.UpdatedAt).HasColumnName("updated_at");
            alert.HasIndex(a => new { a.ProjectId, a.UpdatedAt }).HasDatabaseName("ix_alerts_project_updated");
        });

        modelBuilder.Entity<AlertHistoryRecord>(history =>
        {
            history.ToTable("alert_history");
            history.HasKey(h => h.Id);
            history.Property(h => h.Id).HasColumnName("id");
            history.Property(h => h.Fingerprint).HasColumnName("fingerprint").HasMaxLength(32);
            history.Property(h => h.RuleName).HasColumnName("rule_name").HasMaxLength(200);
            history.Property(h => h.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            history.Property(h => h.Kind).HasColumnName("kind").HasMaxLength(16);
            history.Property(h => h.At).HasColumnName("at");
            history.Property(h => h.Value).HasColumnName("value");
            history.Property(h => h.By).HasColumnName("by").HasMaxLength(200);
            history.Property(h => h.Note).HasColumnName("note");
            history.HasIndex(h => new { h.Fingerprint, h.At }).HasDatabaseName("ix_alert_history_fingerprint_at");
            history.HasIndex(h => new { h.ProjectId, h.At }).HasDatabaseName("ix_alert_history_project_at");
        });

        modelBuilder.Entity<NotificationLogRecord>(log =>
        {
            log.ToTable("notification_log");
            log.HasKey(l => new { l.GroupKey, l.Receiver });
            log.Property(l => l.GroupKey).HasColumnName("group_key").HasMaxLength(1000);
            log.Property(l => l.Receiver).HasColumnName("receiver").HasMaxLength(200);
            log.Property(l => l.LastNotifiedAt).HasColumnName("last_notified_at");
            log.Property(l => l.FiringFingerprints).HasColumnName("firing_fingerprints");
            log.Property(l => l.ResolvedSent).HasColumnName("resolved_sent");
        });

        modelBuilder.Entity<DeliveryRecord>(delivery =>
        {
            delivery.ToTable("deliveries");
            delivery.HasKey(d => d.Id);
            delivery.Property(d => d.Id).HasColumnName("id");
            delivery.Property(d => d.GroupKey).HasColumnName("group_key").HasMaxLength(1000);
            delivery.Property(d => d.Receiver).HasColumnName("receiver").HasMaxLength(200);
            delivery.Property(d => d.Status).HasColumnName("status").HasMaxLength(16);
            delivery.Property(d => d.Fingerprints).HasColumnName("fingerprints");
            delivery.Property(d => d.Delivered).HasColumnName("delivered");
            delivery.Property(d => d.Attempts).HasColumnName("attempts");
            delivery.Property(d => d.HttpStatus).HasColumnName("http_status");
            delivery.Property(d => d.Error).HasColumnName("error");
            delivery.Property(d => d.At).HasColumnName("at");
            delivery.HasIndex(d => new { d.GroupKey, d.At }).HasDatabaseName("ix_deliveries_group_at");
            delivery.HasIndex(d => d.At).HasDatabaseName("ix_deliveries_at");
        });

        modelBuilder.Entity<SilenceRecord>(silence =>
        {
            silence.ToTable("silences");
            silence.HasKey(s => s.Id);
            silence.Property(s => s.Id).HasColumnName("id");
            silence.Property(s => s.Matchers).HasColumnName("matchers");
            silence.Property(s => s.StartsAt).HasColumnName("starts_at");
            silence.Property(s => s.EndsAt).HasColumnName("ends_at");
            silence.Property(s => s.CreatedBy).HasColumnName("created_by").HasMaxLength(200);
            silence.Property(s => s.Comment).HasColumnName("comment");
            silence.Property(s => s.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            silence.Property(s => s.CreatedAt).HasColumnName("created_at");
            silence.Property(s => s.UpdatedAt).HasColumnName("updated_at");
            silence.HasIndex(s => s.EndsAt).HasDatabaseName("ix_silences_ends_at");
        });

        modelBuilder.Entity<RuleRecord>(rule =>
        {
            rule.ToTable("rules");
            rule.HasKey(r => r.Name);
            rule.Property(r => r.Name).HasColumnName("name").HasMaxLength(200);
            rule.Property(r => r.Definition).HasColumnName("definition");
            rule.Property(r => r.IntervalSeconds).HasColumnName("interval_seconds");
            rule.Property(r => r.CreatedBy).HasColumnName("created_by").HasMaxLength(200);
            rule.Property(r => r.CreatedAt).HasColumnName("created_at");
            rule.Property(r => r.UpdatedAt).HasColumnName("updated_at");
        });

        modelBuilder.Entity<MetricCheckpointRecord>(checkpoint =>
        {
            checkpoint.ToTable("metric_checkpoints");
            checkpoint.HasKey(c => c.Id);
            checkpoint.Property(c => c.Id).HasColumnName("id").HasMaxLength(64);
            checkpoint.Property(c => c.Data).HasColumnName("data");
            checkpoint.Property(c => c.SavedAt).HasColumnName("saved_at");
        });
    }
}
