using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Checks;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Drift;

/// <summary>
/// Keeps what drift detection compares of each finished trace (never the evaluator's own judge traffic): its group, the
/// served model, the answer's length and refusal, the question's signature, at the trace's completion time. One row per
/// trace: the first revision stands (a late observation rarely changes the answer, and a re-sent trace must not count twice).
/// </summary>
public sealed class DriftObservations(EvaluatorDbContext db, IOptions<EvaluatorOptions> options)
{
    private static readonly string[] Columns =
        ["project_id", "trace_id", "prompt_name", "prompt_version", "model", "response_model", "answer_chars", "refused", "query_bucket", "query_terms",
            "completed_at"];

    public async Task<int> RecordAsync(IReadOnlyList<TraceCompleted> traces, CancellationToken cancellationToken)
    {
        var rows = traces.Where(t => !t.IsEvaluatorTraffic && t.ProjectId is { Length: > 0 and <= 128 } && t.TraceId is { Length: > 0 and <= 64 })
            .DistinctBy(t => (t.ProjectId, t.TraceId))
            .Select(t => Observe(t, options.Value.MaxTextChars))
            .ToList();
        if (rows.Count == 0)
            return 0;
        var postgres = db.Database.IsPostgres();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            foreach (var chunk in rows.Chunk(500))
            {
                await using var command = BulkSql.Insert(connection, null, postgres, db.Database.Table(EvaluatorDbContext.Schema, "drift_observations"),
                    Columns, chunk,
                    o => [o.ProjectId, o.TraceId, o.PromptName, o.PromptVersion, o.Model, o.ResponseModel, o.AnswerChars, o.Refused, o.QueryBucket,
                        o.QueryTerms, o.CompletedAt],
                    "ON CONFLICT (project_id, trace_id) DO NOTHING");
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return rows.Count;
    }

    public static DriftObservationRecord Observe(TraceCompleted trace, int maxChars)
    {
        var answer = trace.Answer is { Length: > 0 } a ? a : null;
        var question = trace.Question is { } q && q.Length > maxChars ? q[..maxChars] : trace.Question;
        var signature = QuerySignature.Of(question);
        return new DriftObservationRecord
        {
            ProjectId = trace.ProjectId,
            TraceId = trace.TraceId,
            PromptName = Cap(trace.PromptName),
            PromptVersion = trace.PromptVersion,
            Model = Cap(trace.Model),
            ResponseModel = Cap(trace.ResponseModel),
            AnswerChars = answer?.Length,
            Refused = answer is not null && RefusalDetector.Detect(answer.Length > maxChars ? answer[..maxChars] : answer).IsRefusal,
            QueryBucket = signature.Bucket,
            QueryTerms = signature.Terms,
            CompletedAt = trace.CompletedAt.UtcDateTime,
        };
    }

    private static string? Cap(string? text) => text is { Length: > 200 } ? text[..200] : text;
}
