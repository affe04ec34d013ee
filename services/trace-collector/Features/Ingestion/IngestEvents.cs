using System.Globalization;
using System.Text.Json;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// Turns one event of the ingest envelope into writes. The shapes follow the batch API that tracing SDKs speak
/// (trace-create, span-create / -update, generation-create / -update, event-create, score-create; camelCase bodies).
/// Token convention: like those SDKs, <c>usage.input</c> here excludes cache reads; the store keeps OpenTelemetry's
/// convention (input includes them), so cache reads are added in.
/// </summary>
public static class IngestEvents
{
    public const int MaxTextChars = 1_000_000;

    /// <summary>Indexed columns (user, session, feature, model, prompt name): PostgreSQL refuses index entries beyond ~2.7 kB.</summary>
    public const int MaxKeyChars = 256;

    public static readonly string[] Types =
        ["trace-create", "trace-update", "span-create", "span-update", "generation-create", "generation-update", "event-create", "score-create"];

    private static readonly Dictionary<string, string> ObservationKinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["span"] = ObservationTypes.Span, ["generation"] = ObservationTypes.Generation, ["event"] = ObservationTypes.Event,
        ["retriever"] = ObservationTypes.Retrieval, ["retrieval"] = ObservationTypes.Retrieval, ["tool"] = ObservationTypes.Tool,
        ["agent"] = ObservationTypes.Agent, ["guardrail"] = ObservationTypes.Guardrail, ["embedding"] = ObservationTypes.Embedding,
        ["chain"] = ObservationTypes.Span,
    };

    /// <summary>Adds the event's writes to <paramref name="batch"/>; returns an error message when the event is invalid.</summary>
    public static string? AddTo(TraceWriteBatch batch, string projectId, string type, JsonElement body, DateTime timestamp)
    {
        if (body.ValueKind != JsonValueKind.Object)
            return "'body' must be an object.";
        foreach (var name in new[] { "timestamp", "startTime", "endTime", "completionStartTime" })
        {
            if (body.TryGetProperty(name, out var time) && time.ValueKind != JsonValueKind.Null && Time(body, name) is null)
                return $"'{name}' must be an ISO-8601 time.";
        }
        var id = Text(body, "id");
        switch (type)
        {
            case "trace-create" or "trace-update":
                if (!ValidId(id, 64))
                    return "A trace needs an 'id' of 1 to 64 characters.";
                batch.Traces.Add(new TraceWrite
                {
                    ProjectId = projectId,
                    Id = id!,
                    Explicit = true,
                    Name = Text(body, "name"),
                    UserId = Key(Text(body, "userId")),
                    SessionId = Key(Text(body, "sessionId")),
                    Feature = Key(Text(body, "feature") ?? MetadataText(body, "feature")),
                    Input = Json(body, "input"),
                    Output = Json(body, "output"),
                    Metadata = ObjectJson(body, "metadata"),
                    StartTime = Time(body, "timestamp") ?? timestamp,
                });
                return null;

            case "score-create":
                return AddScore(batch, projectId, id, body, timestamp);

            default:
                return AddObservation(batch, projectId, type, id, body, timestamp);
        }
    }

    private static string? AddObservation(TraceWriteBatch batch, string projectId, string type, string? id, JsonElement body, DateTime timestamp)
    {
        if (!ValidId(id, 64))
            return "An observation needs an 'id' of 1 to 64 characters.";
        var traceId = Text(body, "traceId");
        if (!ValidId(traceId, 64))
            return "An observation needs a 'traceId' of 1 to 64 characters.";
        var parent = Text(body, "parentObservationId");
        if (parent is { Length: > 64 })
            return "'parentObservationId' has at most 64 characters.";
        var creates = type.EndsWith("-create", StringComparison.Ordinal);
        var kind = type.StartsWith("generation", StringComparison.Ordinal) ? ObservationTypes.Generation
            : type.StartsWith("event", StringComparison.Ordinal) ? ObservationTypes.Event
            : null;
        if (Text(body, "type") is { } declared)
        {
            if (!ObservationKinds.TryGetValue(declared, out var mapped))
                return $"Unknown observation type '{declared}'.";
            kind = mapped;
        }
        var level = Text(body, "level");
        var usage = Usage(body);
        var start = Time(body, "startTime") ?? (creates ? timestamp : null);
        batch.Observations.Add(new ObservationWrite
        {
            ProjectId = projectId,
            Id = id!,
            TraceId = traceId!,
            ParentId = parent,
            Type = kind ?? (creates ? ObservationTypes.Span : null),
            Name = Text(body, "name"),
            StartTime = start,
            // An event is a moment: it ends as it starts.
            EndTime = Time(body, "endTime") ?? (type == "event-create" ? start : null),
            CompletionStartTime = Time(body, "completionStartTime"),
            Model = Key(Text(body, "model")),
            PromptName = Key(Text(body, "promptName")),
            PromptVersion = body.TryGetProperty("promptVersion", out var v) && v.TryGetInt32(out var version) ? version : null,
            InputTokens = usage.Input,
            OutputTokens = usage.Output,
            CachedInputTokens = usage.Cached,
            ReasoningTokens = usage.Reasoning,
            UsageEstimated = usage.Input is null && usage.Output is null ? null : false,
            Status = level is null ? (creates ? "ok" : null) : level.Equals("ERROR", StringComparison.OrdinalIgnoreCase) ? "error" : "ok",
            StatusMessage = Text(body, "statusMessage"),
            Input = Json(body, "input"),
            Output = Json(body, "output"),
            Metadata = Metadata(body),
        });
        return null;
    }

    private static string? AddScore(TraceWriteBatch batch, string projectId, string? id, JsonElement body, DateTime timestamp)
    {
        var name = Text(body, "name");
        if (!ValidId(id, 128))
            return "A score needs an 'id' of 1 to 128 characters (the same id again updates it).";
        if (name is null or { Length: > 200 })
            return "A score needs a 'name' of 1 to 200 characters.";
        var traceId = Text(body, "traceId");
        var sessionId = Text(body, "sessionId");
        if (traceId is null && sessionId is null)
            return "A score belongs to a 'traceId' (optionally with 'observationId') or a 'sessionId'.";
        if (traceId is { Length: > 64 } || Text(body, "observationId") is { Length: > 64 } || sessionId is { Length: > MaxKeyChars })
            return $"'traceId' and 'observationId' have at most 64 characters, 'sessionId' at most {MaxKeyChars}.";
        double? value = null;
        string? label = null;
        if (body.TryGetProperty("value", out var raw))
        {
            if (raw.ValueKind == JsonValueKind.Number)
                value = raw.GetDouble();
            else if (raw.ValueKind == JsonValueKind.String)
                label = raw.GetString();
            else if (raw.ValueKind is JsonValueKind.True or JsonValueKind.False)
                value = raw.GetBoolean() ? 1 : 0;
        }
        var dataType = (Text(body, "dataType") ?? (label is null ? "numeric" : "categorical")).ToLowerInvariant();
        if (dataType is not ("numeric" or "categorical" or "boolean"))
            return "'dataType' is NUMERIC, CATEGORICAL or BOOLEAN.";
        if (value is null && label is null)
            return "A score needs a 'value' (a number, a boolean or a category).";
        batch.Scores.Add(new ScoreWrite
        {
            ProjectId = projectId,
            Id = id!,
            TraceId = traceId,
            ObservationId = Text(body, "observationId"),
            SessionId = sessionId,
            Name = name,
            DataType = dataType,
            Value = value,
            Label = label ?? Text(body, "stringValue"),
            Comment = Text(body, "comment"),
            Source = (Text(body, "source") ?? "api").ToLowerInvariant() switch { "eval" => "eval", "annotation" or "human" => "human", _ => "api" },
            Timestamp = Time(body, "timestamp") ?? timestamp,
        });
        return null;
    }

    private readonly record struct Tokens(long? Input, long? Output, long? Cached, long? Reasoning);

    /// <summary>usage {input, output} / {promptTokens, completionTokens} and usageDetails {input, output, cache_read_input_tokens, ...}.</summary>
    private static Tokens Usage(JsonElement body)
    {
        long? input = null, output = null, cached = null, reasoning = null;
        foreach (var name in new[] { "usage", "usageDetails" })
        {
            if (!body.TryGetProperty(name, out var usage) || usage.ValueKind != JsonValueKind.Object)
                continue;
            input = Long(usage, "input") ?? Long(usage, "promptTokens") ?? Long(usage, "prompt_tokens") ?? Long(usage, "input_tokens") ?? input;
            output = Long(usage, "output") ?? Long(usage, "completionTokens") ?? Long(usage, "completion_tokens") ?? Long(usage, "output_tokens") ?? output;
            cached = Long(usage, "cache_read_input_tokens") ?? Long(usage, "input_cached_tokens") ?? Long(usage, "cached") ?? cached;
            reasoning = Long(usage, "output_reasoning_tokens") ?? Long(usage, "reasoning_tokens") ?? reasoning;
        }
        if (cached is > 0)
            input = (input ?? 0) + cached;
        return new Tokens(input, output, cached, reasoning);
    }

    private static string? Metadata(JsonElement body)
    {
        var metadata = body.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : (JsonElement?)null;
        var parameters = body.TryGetProperty("modelParameters", out var p) && p.ValueKind == JsonValueKind.Object ? p : (JsonElement?)null;
        if (metadata is null && parameters is null)
            return null;
        if (parameters is null)
            return Cap(metadata!.Value.GetRawText());
        var merged = new Dictionary<string, JsonElement>();
        if (metadata is { } md)
        {
            foreach (var property in md.EnumerateObject())
                merged[property.Name] = property.Value;
        }
        merged["modelParameters"] = parameters.Value;
        return Cap(JsonSerializer.Serialize(merged));
    }

    private static bool ValidId(string? id, int max) => id is { Length: > 0 } && id.Length <= max;

    private static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? Cap(text)
            : body.TryGetProperty(name, out var number) && number.ValueKind == JsonValueKind.Number ? number.GetRawText() : null;

    private static string? MetadataText(JsonElement body, string name) =>
        body.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? Text(m, name) : null;

    /// <summary>Input and output keep their JSON (a string stays a plain string).</summary>
    private static string? Json(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null
        : value.ValueKind == JsonValueKind.String ? Cap(value.GetString()!)
        : Cap(value.GetRawText());

    private static string? ObjectJson(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? Cap(value.GetRawText()) : null;

    private static long? Long(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= 0 ? n : null;

    private static DateTime? Time(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.UtcDateTime
            : null;

    private static string? Key(string? text) => text is { Length: > MaxKeyChars } ? text[..MaxKeyChars] : text;

    private static string Cap(string text) => text.Length <= MaxTextChars ? text : text[..MaxTextChars];
}
