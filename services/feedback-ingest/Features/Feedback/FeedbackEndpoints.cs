using System.Text.Json;
using LlmOps.FeedbackIngest.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.FeedbackIngest.Features.Feedback;

/// <summary>
/// <c>POST /api/feedback</c>: one feedback object, or <c>{"feedback": [...]}</c> (at most 100), with a project key (the
/// project comes from the key). Every item is checked first; any invalid item refuses the request with each problem named,
/// so a batch is all or nothing. 202 with the feedback ids once the broker confirmed; 503 with Retry-After when it did
/// not (the feedback is kept and published later; resend with the same idempotency keys to be sure it counts once).
/// Feedback for a trace the platform has not seen yet is accepted (traces can arrive later); a trace that belongs to another
/// project is a 404 (see <see cref="TraceOwnership"/>).
/// <c>GET /api/feedback?traceId=</c> lists a trace's feedback.
/// </summary>
public static class FeedbackEndpoints
{
    public const int MaxBatch = 100;
    public const long MaxBodyBytes = 4 * 1024 * 1024;

    public static async Task PostAsync(HttpContext context, FeedbackPublisher publisher, TraceOwnership ownership, TimeProvider clock)
    {
        if (context.User.ProjectIdOf() is not { Length: > 0 } projectId)
        {
            await ErrorResponses.WriteAsync(context, 403, "Feedback takes a project key: the project comes from the key.", "project_key_required");
            return;
        }
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await ErrorResponses.WriteAsync(context, 413, $"At most {MaxBodyBytes} bytes per request.", "payload_too_large");
            return;
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await ErrorResponses.WriteAsync(context, 400, $"The body is not valid JSON: {ex.Message}", "invalid_json");
            return;
        }
        using (document)
        {
            var root = document.RootElement;
            var items = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("feedback", out var batch) && batch.ValueKind == JsonValueKind.Array
                ? batch.EnumerateArray().ToList()
                : [root];
            if (items.Count is 0 or > MaxBatch)
            {
                await ErrorResponses.WriteAsync(context, 400, $"Send 1 to {MaxBatch} feedbacks per request.", "invalid_batch");
                return;
            }
            var now = clock.GetUtcNow().UtcDateTime;
            var records = new List<FeedbackRecord>();
            var problems = new Dictionary<string, string[]>();
            for (var i = 0; i < items.Count; i++)
            {
                var (record, problem) = FeedbackInput.Read(items[i], projectId, now);
                if (problem is not null)
                    problems[items.Count == 1 ? "feedback" : $"feedback[{i}]"] = [problem];
                else
                    records.Add(record!);
            }
            if (problems.Count > 0)
            {
                await Results.ValidationProblem(problems).ExecuteAsync(context);
                return;
            }
            if ((await ownership.ForeignAsync(projectId, records.Select(r => r.TraceId), context.RequestAborted)) is { Count: > 0 } foreign)
            {
                await ErrorResponses.WriteAsync(context, 404, $"No trace {string.Join(", ", foreign)} in this key's project.", "trace_not_found");
                return;
            }
            if (!await publisher.AcceptAsync(records, context.RequestAborted))
            {
                context.Response.Headers.RetryAfter = "5";
                await ErrorResponses.WriteAsync(context, 503, "The feedback is kept but the broker did not confirm it yet; resend with the same idempotency keys.",
                    "broker_unavailable");
                return;
            }
            context.Response.StatusCode = 202;
            await context.Response.WriteAsJsonAsync(new { ids = records.Select(r => r.Id) }, context.RequestAborted);
        }
    }

    public static async Task ListAsync(HttpContext context, FeedbackIngestDbContext db, string? traceId, string? projectId)
    {
        if (traceId is not { Length: > 0 and <= 64 })
        {
            await ErrorResponses.WriteAsync(context, 400, "traceId is required (1 to 64 characters).", "invalid_trace_id");
            return;
        }
        var query = db.Feedback.AsNoTracking().Where(f => f.TraceId == traceId);
        if (context.User.ProjectFilter(projectId) is { } only)
            query = query.Where(f => f.ProjectId == only);
        var feedback = await query.OrderBy(f => f.ReceivedAt).Take(1_000).ToListAsync(context.RequestAborted);
        await context.Response.WriteAsJsonAsync(new
        {
            data = feedback.Select(f => new
            {
                id = f.Id, projectId = f.ProjectId, traceId = f.TraceId, observationId = f.ObservationId, kind = f.Kind, value = f.Value,
                label = f.Label, comment = f.Comment, correction = f.Correction, userId = f.UserId,
                receivedAt = DateTime.SpecifyKind(f.ReceivedAt, DateTimeKind.Utc), published = f.Published,
            }),
        }, context.RequestAborted);
    }
}
