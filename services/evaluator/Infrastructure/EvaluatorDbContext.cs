using Microsoft.EntityFrameworkCore;

namespace LlmOps.Evaluator.Infrastructure;

public sealed class EvaluatorDbContext(DbContextOptions<EvaluatorDbContext> options) : DbContext(options)
{
    public const string Schema = "evaluator";

    public DbSet<EvaluatorRecord> Evaluators => Set<EvaluatorRecord>();
    public DbSet<EvaluatedTraceRecord> EvaluatedTraces => Set<EvaluatedTraceRecord>();
    public DbSet<LoopScoreRecord> LoopScores => Set<LoopScoreRecord>();
    public DbSet<ActionRecord> Actions => Set<ActionRecord>();
    public DbSet<CorrectionRecord> Corrections => Set<CorrectionRecord>();
    public DbSet<DatasetRecord> Datasets => Set<DatasetRecord>();
    public DbSet<DatasetItemRecord> DatasetItems => Set<DatasetItemRecord>();
    public DbSet<ExperimentRecord> Experiments => Set<ExperimentRecord>();
    public DbSet<ExperimentResultRecord> ExperimentResults => Set<ExperimentResultRecord>();
    public DbSet<DriftObservationRecord> DriftObservations => Set<DriftObservationRecord>();
    public DbSet<DriftSignalRecord> DriftSignals => Set<DriftSignalRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<EvaluatorRecord>(e =>
        {
            e.ToTable("evaluators");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("id");
            e.Property(x => x.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            e.Property(x => x.Name).HasColumnName("name").HasMaxLength(100);
            e.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(64);
            e.Property(x => x.Method).HasColumnName("method").HasMaxLength(16);
            e.Property(x => x.Settings).HasColumnName("settings");
            e.Property(x => x.PromptName).HasColumnName("prompt_name").HasMaxLength(200);
            e.Property(x => x.Model).HasColumnName("model").HasMaxLength(200);
            e.Property(x => x.Feature).HasColumnName("feature").HasMaxLength(256);
            e.Property(x => x.SamplingRate).HasColumnName("sampling_rate");
            e.Property(x => x.JudgeDeployment).HasColumnName("judge_deployment").HasMaxLength(200);
            e.Property(x => x.RubricVersion).HasColumnName("rubric_version").HasMaxLength(64);
            e.Property(x => x.Enabled).HasColumnName("enabled");
            e.Property(x => x.Version).HasColumnName("version");
            e.Property(x => x.CreatedAt).HasColumnName("created_at");
            e.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            e.HasIndex(x => new { x.ProjectId, x.Name }).IsUnique().HasDatabaseName("ux_evaluators_project_name");
        });

        modelBuilder.Entity<EvaluatedTraceRecord>(t =>
        {
            t.ToTable("evaluated_traces");
            t.HasKey(x => new { x.ProjectId, x.TraceId });
            t.Property(x => x.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            t.Property(x => x.TraceId).HasColumnName("trace_id").HasMaxLength(64);
            t.Property(x => x.Revision).HasColumnName("revision");
            t.Property(x => x.Question).HasColumnName("question");
            t.Property(x => x.Answer).HasColumnName("answer");
            t.Property(x => x.Context).HasColumnName("context");
            t.Property(x => x.Reference).HasColumnName("reference");
            t.Property(x => x.PromptName).HasColumnName("prompt_name");
            t.Property(x => x.PromptVersion).HasColumnName("prompt_version");
            t.Property(x => x.Model).HasColumnName("model");
            t.Property(x => x.DataSourceId).HasColumnName("data_source_id");
            t.Property(x => x.Feature).HasColumnName("feature");
            t.Property(x => x.CompletedAt).HasColumnName("completed_at");
            t.Property(x => x.EvaluatedAt).HasColumnName("evaluated_at");
            t.HasIndex(x => x.EvaluatedAt).HasDatabaseName("ix_evaluated_traces_time");
            // The instruction checks' outcomes (migration 20261123000004_CheckOutcomesOnTraces).
            t.Property(x => x.ChecksRun).HasColumnName("checks_run");
            t.Property(x => x.ChecksFailed).HasColumnName("checks_failed");
            t.Property(x => x.CheckedAt).HasColumnName("checked_at");
            t.HasIndex(x => new { x.ProjectId, x.CheckedAt }).HasDatabaseName("ix_evaluated_traces_project_checked");
        });

        modelBuilder.Entity<LoopScoreRecord>(s =>
        {
            s.ToTable("loop_scores");
            s.HasKey(x => x.ScoreId);
            s.Property(x => x.ScoreId).HasColumnName("score_id");
            s.Property(x => x.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            s.Property(x => x.TraceId).HasColumnName("trace_id").HasMaxLength(64);
            s.Property(x => x.Name).HasColumnName("name").HasMaxLength(100);
            s.Property(x => x.Value).HasColumnName("value");
            s.Property(x => x.Label).HasColumnName("label").HasMaxLength(100);
            s.Property(x => x.Status).HasColumnName("status").HasMaxLength(16);
            s.Property(x => x.Source).HasColumnName("source").HasMaxLength(16);
            s.Property(x => x.PromptName).HasColumnName("prompt_name").HasMaxLength(200);
            s.Property(x => x.PromptVersion).HasColumnName("prompt_version");
            s.Property(x => x.Model).HasColumnName("model").HasMaxLength(200);
            s.Property(x => x.DataSourceId).HasColumnName("data_source_id").HasMaxLength(200);
            s.Property(x => x.RecordedAt).HasColumnName("recorded_at");
            // What the readers filter on: a project's window (migration 20261123000004_CheckOutcomesOnTraces).
            s.HasIndex(x => new { x.ProjectId, x.RecordedAt }).HasDatabaseName("ix_loop_scores_project_time");
            // The latest score per trace and metric (migration 20261123000005_LatestLoopScorePerTrace): the upsert's key, and
            // the fine-tune path's join of faithfulness with the same trace's context relevance.
            s.HasIndex(x => new { x.ProjectId, x.TraceId, x.Name }).IsUnique().HasDatabaseName("ux_loop_scores_project_trace_name");
        });

        modelBuilder.Entity<ActionRecord>(a =>
        {
            a.ToTable("actions");
            a.HasKey(x => x.Id);
            a.Property(x => x.Id).HasColumnName("id");
            a.Property(x => x.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            a.Property(x => x.Path).HasColumnName("path").HasMaxLength(16);
            a.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(64);
            a.Property(x => x.Subject).HasColumnName("subject").HasMaxLength(400);
            a.Property(x => x.Summary).HasColumnName("summary");
            a.Property(x => x.Evidence).HasColumnName("evidence");
            a.Property(x => x.Details).HasColumnName("details");
            a.Property(x => x.Status).HasColumnName("status").HasMaxLength(16);
            a.Property(x => x.PromptName).HasColumnName("prompt_name").HasMaxLength(200);
            a.Property(x => x.PromptVersion).HasColumnName("prompt_version");
            a.Property(x => x.Model).HasColumnName("model").HasMaxLength(200);
            a.Property(x => x.DataSourceId).HasColumnName("data_source_id").HasMaxLength(200);
            a.Property(x => x.CreatedAt).HasColumnName("created_at");
            a.Property(x => x.CooldownUntil).HasColumnName("cooldown_until");
            a.Property(x => x.UpdatedAt).HasColumnName("updated_at");
            a.Property(x => x.UpdatedBy).HasColumnName("updated_by").HasMaxLength(128);
            a.Property(x => x.Note).HasColumnName("note");
            a.HasIndex(x => new { x.ProjectId, x.Kind, x.Subject, x.CreatedAt }).HasDatabaseName("ix_actions_subject");
        });

        modelBuilder.Entity<CorrectionRecord>(c =>
        {
            c.ToTable("corrections");
            c.HasKey(x => x.FeedbackId);
            c.Property(x => x.FeedbackId).HasColumnName("feedback_id");
            c.Property(x => x.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            c.Property(x => x.TraceId).HasColumnName("trace_id").HasMaxLength(64);
            c.Property(x => x.Correction).HasColumnName("correction");
            c.Property(x => x.ReceivedAt).HasColumnName("received_at");
            c.HasIndex(x => new { x.ProjectId, x.TraceId }).HasDatabaseName("ix_corrections_project_trace");
        });

        modelBuilder.Entity<DatasetRecord>(d =>
        {
            d.ToTable("datasets");
            d.HasKey(x => x.Id);
            d.Property(x => x.Id).HasColumnName("id");
            d.Property(x => x.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            d.Property(x => x.Name).HasColumnName("name").HasMaxLength(200);
            d.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(16);
            d.Property(x => x.Description).HasColumnName("description");
            d.Property(x => x.Model).HasColumnName("model").HasMaxLength(200);
            d.Property(x => x.TargetCount).HasColumnName("target_count");
            d.Property(x => x.ReadyAt).HasColumnName("ready_at");
            d.Property(x => x.CreatedAt).HasColumnName("created_at");
            d.HasIndex(x => new { x.ProjectId, x.Name }).IsUnique().HasDatabaseName("ux_datasets_project_name");
        });

        modelBuilder.Entity<DatasetItemRecord>(i =>
        {
            i.ToTable("dataset_items");
            i.HasKey(x => x.Id);
            i.Property(x => x.Id).HasColumnName("id");
            i.Property(x => x.DatasetId).HasColumnName("dataset_id");
            i.Property(x => x.ContentHash).HasColumnName("content_hash").HasMaxLength(64);
            i.Property(x => x.Input).HasColumnName("input");
            i.Property(x => x.ExpectedOutput).HasColumnName("expected_output");
            i.Property(x => x.Context).HasColumnName("context");
            i.Property(x => x.SourceTraceId).HasColumnName("source_trace_id").HasMaxLength(64);
            i.Property(x => x.Source).HasColumnName("source").HasMaxLength(16);
            i.Property(x => x.Metadata).HasColumnName("metadata");
            i.Property(x => x.CreatedAt).HasColumnName("created_at");
            i.HasIndex(x => new { x.DatasetId, x.ContentHash }).IsUnique().HasDatabaseName("ux_dataset_items_hash");
        });

        // Golden datasets and experiments (migration 20261123000003_Experiments).
        modelBuilder.Entity<DatasetItemRecord>(i =>
        {
            i.Property(x => x.InputFormat).HasColumnName("input_format").HasMaxLength(16);
            i.Property(x => x.ContextFormat).HasColumnName("context_format").HasMaxLength(16);
        });

        modelBuilder.Entity<ExperimentRecord>(x =>
        {
            x.ToTable("experiments");
            x.HasKey(e => e.Id);
            x.Property(e => e.Id).HasColumnName("id");
            x.Property(e => e.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            x.Property(e => e.DatasetId).HasColumnName("dataset_id");
            x.Property(e => e.Name).HasColumnName("name").HasMaxLength(200);
            x.Property(e => e.Prompt).HasColumnName("prompt").HasMaxLength(200);
            x.Property(e => e.Model).HasColumnName("model").HasMaxLength(200);
            x.Property(e => e.Evaluators).HasColumnName("evaluators");
            x.Property(e => e.Gate).HasColumnName("gate");
            x.Property(e => e.BaselineExperimentId).HasColumnName("baseline_experiment_id");
            x.Property(e => e.Status).HasColumnName("status").HasMaxLength(16);
            x.Property(e => e.ItemCount).HasColumnName("item_count");
            x.Property(e => e.CompletedItems).HasColumnName("completed_items");
            x.Property(e => e.ErrorCount).HasColumnName("error_count");
            x.Property(e => e.Aggregates).HasColumnName("aggregates");
            x.Property(e => e.Error).HasColumnName("error");
            x.Property(e => e.ClaimedBy).HasColumnName("claimed_by").HasMaxLength(128);
            x.Property(e => e.LeaseUntil).HasColumnName("lease_until");
            x.Property(e => e.Attempts).HasColumnName("attempts");
            x.Property(e => e.CreatedAt).HasColumnName("created_at");
            x.Property(e => e.StartedAt).HasColumnName("started_at");
            x.Property(e => e.CompletedAt).HasColumnName("completed_at");
            x.HasIndex(e => new { e.ProjectId, e.DatasetId, e.CreatedAt }).HasDatabaseName("ix_experiments_project_dataset");
            x.HasIndex(e => new { e.Status, e.LeaseUntil }).HasDatabaseName("ix_experiments_status");
        });

        modelBuilder.Entity<ExperimentResultRecord>(r =>
        {
            r.ToTable("experiment_results");
            r.HasKey(x => new { x.ExperimentId, x.ItemId });
            r.Property(x => x.ExperimentId).HasColumnName("experiment_id");
            r.Property(x => x.ItemId).HasColumnName("item_id");
            r.Property(x => x.Output).HasColumnName("output");
            r.Property(x => x.LatencyMs).HasColumnName("latency_ms");
            r.Property(x => x.InputTokens).HasColumnName("input_tokens");
            r.Property(x => x.OutputTokens).HasColumnName("output_tokens");
            r.Property(x => x.Error).HasColumnName("error");
            r.Property(x => x.Scores).HasColumnName("scores");
            r.Property(x => x.TraceId).HasColumnName("trace_id").HasMaxLength(64);
            r.Property(x => x.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<DriftObservationRecord>(o =>
        {
            o.ToTable("drift_observations");
            o.HasKey(x => new { x.ProjectId, x.TraceId });
            o.Property(x => x.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            o.Property(x => x.TraceId).HasColumnName("trace_id").HasMaxLength(64);
            o.Property(x => x.PromptName).HasColumnName("prompt_name").HasMaxLength(200);
            o.Property(x => x.PromptVersion).HasColumnName("prompt_version");
            o.Property(x => x.Model).HasColumnName("model").HasMaxLength(200);
            o.Property(x => x.ResponseModel).HasColumnName("response_model").HasMaxLength(200);
            o.Property(x => x.AnswerChars).HasColumnName("answer_chars");
            o.Property(x => x.Refused).HasColumnName("refused");
            o.Property(x => x.QueryBucket).HasColumnName("query_bucket");
            o.Property(x => x.QueryTerms).HasColumnName("query_terms").HasMaxLength(200);
            o.Property(x => x.CompletedAt).HasColumnName("completed_at");
            o.HasIndex(x => x.CompletedAt).HasDatabaseName("ix_drift_observations_time");
        });

        modelBuilder.Entity<DriftSignalRecord>(d =>
        {
            d.ToTable("drift_signals");
            d.HasKey(x => x.Id);
            d.Property(x => x.Id).HasColumnName("id");
            d.Property(x => x.ProjectId).HasColumnName("project_id").HasMaxLength(128);
            d.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(16);
            d.Property(x => x.Statistic).HasColumnName("statistic").HasMaxLength(140);
            d.Property(x => x.Subject).HasColumnName("subject").HasMaxLength(420);
            d.Property(x => x.PromptName).HasColumnName("prompt_name").HasMaxLength(200);
            d.Property(x => x.PromptVersion).HasColumnName("prompt_version");
            d.Property(x => x.Model).HasColumnName("model").HasMaxLength(200);
            d.Property(x => x.Value).HasColumnName("value");
            d.Property(x => x.Threshold).HasColumnName("threshold");
            d.Property(x => x.BaselineFrom).HasColumnName("baseline_from");
            d.Property(x => x.BaselineTo).HasColumnName("baseline_to");
            d.Property(x => x.CurrentFrom).HasColumnName("current_from");
            d.Property(x => x.CurrentTo).HasColumnName("current_to");
            d.Property(x => x.Detail).HasColumnName("detail");
            d.Property(x => x.DetectedAt).HasColumnName("detected_at");
            d.Property(x => x.CooldownUntil).HasColumnName("cooldown_until");
            d.HasIndex(x => new { x.ProjectId, x.Kind, x.Statistic, x.Subject, x.CooldownUntil }).HasDatabaseName("ix_drift_signals_cooldown");
            d.HasIndex(x => new { x.ProjectId, x.DetectedAt }).HasDatabaseName("ix_drift_signals_project_time");
        });
    }
}
