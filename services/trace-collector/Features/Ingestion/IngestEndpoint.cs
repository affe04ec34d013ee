using System.Globalization;
using System.Text.Json;
using LlmOps.ServiceDefaults.Http;
using Microsoft.Extensions.Options;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// <c>POST /api/ingest</c>: a batch envelope <c>{"batch": [{"id", "type", "timestamp", "body"}]}</c> as tracing SDKs
/// send it, answered 207 with a result per event once the valid ones are committed. The event id deduplicates (an event
/// this replica already stored is acknowledged again without being re-applied, so a resent old update cannot undo a newer
/// one); the body id is the entity id (the same id merges into one trace, observation or score).
/// </summary>
public static class IngestEndpoint
{
    public const int MaxEvents = 10_000;

    public sealed record Success(string Id, int Status);

    public sealed record Failure(string Id, int Status, string Message, string Error);

    public static async Task HandleAsync(HttpContext context, IngestQueue queue, RecentEvents recent, IOptions<TraceCollectorOptions> options,
        TimeProvider clock)
    {
        if (await IngestHttp.ProjectAsync(context) is not { } projectId)
            return;
        if (!(context.Request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await ErrorResponses.WriteAsync(context, 415, "Send the batch as application/json.", "unsupported_media_type");
            return;
        }
        if (await IngestHttp.ReadBodyAsync(context, options.Value.MaxIngestBytes) is not { } bytes)
            return;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            await ErrorResponses.WriteAsync(context, 400, $"The body is not valid JSON: {ex.Message}", "invalid_json");
            return;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("batch", out var events)
                || events.ValueKind != JsonValueKind.Array)
            {
                await ErrorResponses.WriteAsync(context, 400, "The body is {\"batch\": [events]}.", "invalid_batch");
                return;
            }
            if (events.GetArrayLength() > MaxEvents)
            {
                await ErrorResponses.WriteAsync(context, 413, $"At most {MaxEvents} events per batch.", "batch_too_large");
                return;
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var batch = new TraceWriteBatch();
            var successes = new List<Success>();
            var errors = new List<Failure>();
            var accepted = new List<string>();
            var index = 0;
            foreach (var item in events.EnumerateArray())
            {
                var (eventId, type, problem) = Envelope(item, index++);
                if (problem is not null)
                {
                    errors.Add(new Failure(eventId, 400, problem, "invalid_event"));
                    continue;
                }
                if (recent.Seen(projectId, eventId))
                {
                    successes.Add(new Success(eventId, 201));
                    continue;
                }
                var timestamp = item.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.String
                    && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                    ? at.UtcDateTime
                    : now;
                if (IngestEvents.AddTo(batch, projectId, type!, item.GetProperty("body"), timestamp) is { } invalid)
                {
                    errors.Add(new Failure(eventId, 400, invalid, "invalid_event"));
                    continue;
                }
                successes.Add(new Success(eventId, 201));
                accepted.Add(eventId);
            }

            if (!await IngestHttp.CommitAsync(context, queue, batch))
                return;
            foreach (var eventId in accepted)
                recent.Remember(projectId, eventId);
            context.Response.StatusCode = 207;
            await context.Response.WriteAsJsonAsync(new { successes, errors }, context.RequestAborted);
        }
    }

    private static (string Id, string? Type, string? Problem) Envelope(JsonElement item, int index)
    {
        if (item.ValueKind != JsonValueKind.Object)
            return ($"#{index}", null, "An event is an object with 'id', 'type' and 'body'.");
        var id = item.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
        if (id is not { Length: > 0 and <= 128 })
            return ($"#{index}", null, "An event needs an 'id' of 1 to 128 characters (the deduplication key).");
        var type = item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type is null || !IngestEvents.Types.Contains(type))
            return (id, null, $"Unknown event type '{type}'; types are {string.Join(", ", IngestEvents.Types)}.");
        if (!item.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
            return (id, type, "An event needs a 'body' object.");
        return (id, type, null);
    }
}
