using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Configuration;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore;
using NpgsqlTypes;
using Microsoft.Extensions.Options;
using LlmOps.ServiceDefaults.Ids;

namespace LlmOps.Evaluator.Features.Online;

/// <summary>
/// Scores finished traces with the project's evaluators: those whose filters match (prompt, model, feature), sampled
/// deterministically per trace and evaluator (a redelivered trace is sampled the same way), never on the evaluator's own
/// judge traffic. Each score's id derives from trace, evaluator and revision, so a re-run upserts instead of doubling.
/// The traces it scored are kept briefly so the loop can quote them; the scores feed the loop controller at once.
/// </summary>
public sealed class OnlineEvaluation(EvaluatorDbContext db, EvaluatorCatalog catalog, LoopScores loopScores, IOptions<EvaluatorOptions> options,
    TimeProvider clock)
{
    private static readonly string[] TraceColumns =
        ["project_id", "trace_id", "revision", "question", "answer", "context", "reference", "prompt_name", "prompt_version", "model", "data_source_id",
            "feature", "completed_at", "evaluated_at", "checks_run", "checks_failed", "checked_at"];

    private const int StoredTextChars = 8_000;

    private static readonly NpgsqlDbType[] TraceTypes =
    [
        NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text,
        NpgsqlDbType.Text, NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.Text, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz,
        NpgsqlDbType.Integer, NpgsqlDbType.Integer, NpgsqlDbType.TimestampTz,
    ];

    public sealed record Result(List<ScoreRecorded> Scores, int Evaluated, int Skipped);

    public async Task<Result> EvaluateAsync(IReadOnlyList<TraceCompleted> traces, CancellationToken cancellationToken)
    {
        var maxChars = options.Value.MaxTextChars;
        var now = clock.GetUtcNow();
        var loop = options.Value.Loop.Enabled;
        var scores = new List<ScoreRecorded>();
        var scored = new List<TraceCompleted>();
        var checks = new Dictionary<(string, string), CheckOutcomes>();
        // The latest revision of each trace in the batch is the one that counts.
        foreach (var trace in traces.GroupBy(t => (t.ProjectId, t.TraceId)).Select(g => g.MaxBy(t => t.Revision)!))
        {
            if (trace.IsEvaluatorTraffic)
                continue;
            var before = scores.Count;
            foreach (var evaluator in catalog.For(trace.ProjectId))
            {
                // Judges run on their own queue (JudgeTraceConsumer): a slow model never holds up the checks.
                if (evaluator.Method != EvaluatorKinds.Lexical || !evaluator.Matches(trace.PromptName, trace.Model, trace.Feature) || !Sampled(trace.TraceId, evaluator.Name, evaluator.SamplingRate))
                    continue;
                var outcome = CheckRunner.Run(evaluator.Kind, evaluator.Settings, trace, maxChars);
                scores.Add(Score(trace, evaluator, outcome, now));
            }
            if (scores.Count == before)
                continue;
            scored.Add(trace);
            if (loop && CheckOutcomes.Fold(scores.Skip(before)) is { IsEmpty: false } outcomes)
                checks[(trace.ProjectId, trace.TraceId)] = outcomes;
        }

        if (scored.Count > 0)
            await RememberAsync(scored, now.UtcDateTime, cancellationToken, checks);
        if (loop)
        {
            // The checks' outcomes went into the trace rows just written; the window keeps rows for the rest (RAG metrics).
            await loopScores.RecordAsync(scores.Where(s => !CheckOutcomes.Holds(s)).ToList(), cancellationToken);
            foreach (var project in checks.Keys.Select(k => k.Item1).Distinct(StringComparer.Ordinal))
                loopScores.MarkDirty(project);
        }
        return new Result(scores, scored.Count, traces.Count - scored.Count);
    }

    public static ScoreRecorded Score(TraceCompleted trace, CompiledEvaluator evaluator, Outcome outcome, DateTimeOffset now, string? judgeModel = null) => new()
    {
        ScoreId = ScoreIdFor(trace.ProjectId, trace.TraceId, evaluator.Name, trace.Revision),
        ProjectId = trace.ProjectId,
        TraceId = trace.TraceId,
        SessionId = trace.SessionId,
        Name = evaluator.Kind,
        DataType = outcome.DataType,
        Value = outcome.Value,
        Label = outcome.Label,
        Explanation = outcome.Explanation,
        Source = ScoreSources.Eval,
        Status = outcome.Status,
        EvaluatorName = evaluator.Name,
        EvaluatorVersion = $"{evaluator.Method}/{evaluator.Version}",
        RubricVersion = evaluator.Method == EvaluatorKinds.Judge ? Judges.JudgeRubrics.Find(evaluator.Kind, evaluator.RubricVersion)?.Id : evaluator.RubricVersion,
        JudgeModel = judgeModel,
        PromptName = trace.PromptName,
        PromptVersion = trace.PromptVersion,
        Model = trace.Model,
        DataSourceId = trace.DataSourceId,
        Feature = trace.Feature,
        RecordedAt = now,
    };

    /// <summary>The same trace, evaluator and revision always give the same score id.</summary>
    public static Guid ScoreIdFor(string projectId, string traceId, string evaluatorName, int revision)
        => StableGuid.From("score", projectId, traceId, evaluatorName, revision.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Deterministic sampling: FNV-1a of trace id and evaluator name, mapped to [0, 1).</summary>
    public static bool Sampled(string traceId, string evaluatorName, double rate)
    {
        if (rate >= 1)
            return true;
        if (rate <= 0)
            return false;
        var hash = 14695981039346656037UL;
        foreach (var c in traceId)
            hash = (hash ^ c) * 1099511628211UL;
        hash = (hash ^ '\n') * 1099511628211UL;
        foreach (var c in evaluatorName)
            hash = (hash ^ c) * 1099511628211UL;
        return (hash >> 11) * (1.0 / (1UL << 53)) < rate;
    }

    /// <summary>
    /// Stores the traces (the latest revision wins) with their instruction checks' outcomes, when <paramref name="checks"/>
    /// has them. A write without outcomes (the judge lane's) leaves the stored ones as they are; a re-check replaces the
    /// outcomes of the checks it ran and keeps the others, as the latest score per trace and metric would.
    /// </summary>
    public async Task RememberAsync(IReadOnlyList<TraceCompleted> traces, DateTime now, CancellationToken cancellationToken,
        IReadOnlyDictionary<(string, string), CheckOutcomes>? checks = null)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await BulkSql.UpsertAsync(connection, transaction, "evaluated_traces", db.Database.Table(EvaluatorDbContext.Schema, "evaluated_traces"),
                TraceColumns, TraceTypes, "project_id, trace_id",
                "ON CONFLICT (project_id, trace_id) DO UPDATE SET revision = excluded.revision, question = excluded.question, "
                + "answer = excluded.answer, context = excluded.context, reference = excluded.reference, prompt_name = excluded.prompt_name, "
                + "prompt_version = excluded.prompt_version, model = excluded.model, data_source_id = excluded.data_source_id, "
                + "feature = excluded.feature, completed_at = excluded.completed_at, evaluated_at = excluded.evaluated_at, "
                + "checks_run = t.checks_run | excluded.checks_run, "
                + "checks_failed = (t.checks_failed & ~excluded.checks_run) | excluded.checks_failed, "
                + "checked_at = COALESCE(excluded.checked_at, t.checked_at) "
                + "WHERE excluded.revision >= t.revision",
                // One row per trace: a statement may not upsert the same key twice.
                traces.GroupBy(t => (t.ProjectId, t.TraceId)).Select(g => g.MaxBy(t => t.Revision)!).ToList(), (t, values) =>
                {
                    values.Add(t.ProjectId); values.Add(t.TraceId); values.Add(t.Revision); values.Add(Cut(t.Question)); values.Add(Cut(t.Answer));
                    values.Add(t.RetrievedDocuments.Count == 0 ? null : Cut(string.Join("\n\n", t.RetrievedDocuments.Select(d => d.Content))));
                    values.Add(Cut(CheckRunner.Reference(t))); values.Add(t.PromptName); values.Add(t.PromptVersion); values.Add(t.Model);
                    values.Add(t.DataSourceId); values.Add(t.Feature); values.Add(t.CompletedAt.UtcDateTime); values.Add(now);
                    var outcomes = checks?.GetValueOrDefault((t.ProjectId, t.TraceId)) ?? default;
                    values.Add(outcomes.Run); values.Add(outcomes.Failed); values.Add(outcomes.IsEmpty ? null : now);
                }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static string? Cut(string? text) => text is { Length: > StoredTextChars } ? text[..StoredTextChars] : text;
}
