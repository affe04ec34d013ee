using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf;
using LlmOps.TraceCollector.Features.Ingestion;
using LlmOps.TraceCollector.Features.Otlp.Proto;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Otlp;

/// <summary>
/// What an OTLP export becomes: one observation per span (ids as lower-case hex, so a resent span upserts the same
/// row) and one event observation per span event. A span with invalid ids is rejected on its own; the rest are kept.
/// </summary>
public static class OtlpObservations
{
    /// <summary>Input, output and status messages are cut here (and marked <c>truncated</c> in metadata).</summary>
    public const int MaxTextChars = 1_000_000;

    /// <summary>One attribute value in metadata: metadata is context, the content has its own columns.</summary>
    public const int MaxMetadataValueChars = 100_000;

    private const int MaxNameChars = 1_000;

    // Model, session and user are indexed; PostgreSQL refuses b-tree entries beyond ~2.7 kB, which would fail the batch.
    private const int MaxKeyChars = 256;

    private const string EvaluationEvent = "gen_ai.evaluation.result";

    public sealed record Outcome(int Accepted, int Rejected, string? ErrorMessage);

    public static Outcome AddTo(TraceWriteBatch batch, string projectId, ExportTraceServiceRequest request)
    {
        int accepted = 0, rejected = 0;
        var reasons = new List<string>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resourceTruncated = false;
            var resource = resourceSpans.Resource is { Attributes.Count: > 0 } r
                ? OtlpAttributes.ToJsonObject(r.Attributes, MaxMetadataValueChars, ref resourceTruncated)
                : null;
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                foreach (var span in scopeSpans.Spans)
                {
                    if (Invalid(span) is { } reason)
                    {
                        rejected++;
                        if (reasons.Count < 3 && !reasons.Contains(reason))
                            reasons.Add(reason);
                        continue;
                    }
                    AddSpan(batch, projectId, span, resource, resourceTruncated, scopeSpans.Scope);
                    accepted++;
                }
            }
        }
        var message = rejected == 0 ? null : $"{rejected} span(s) rejected: {string.Join("; ", reasons)}.";
        return new Outcome(accepted, rejected, message);
    }

    /// <summary>Why a span cannot be stored (its ids are its identity), or null.</summary>
    public static string? Invalid(Span span)
    {
        if (span.TraceId.Length != 16 || AllZero(span.TraceId))
            return "trace_id must be 16 bytes (32 hex characters in JSON) and not all zero";
        if (span.SpanId.Length != 8 || AllZero(span.SpanId))
            return "span_id must be 8 bytes (16 hex characters in JSON) and not all zero";
        if (span.ParentSpanId.Length is not (0 or 8))
            return "parent_span_id must be empty or 8 bytes (16 hex characters in JSON)";
        return null;
    }

    private static void AddSpan(TraceWriteBatch batch, string projectId, Span span, JsonObject? resource, bool resourceTruncated,
        InstrumentationScope? scope)
    {
        var attributes = new OtlpAttributes(span.Attributes);
        var truncated = new SortedSet<string>(StringComparer.Ordinal);
        if (resourceTruncated)
            truncated.Add("resource");
        var traceId = Convert.ToHexStringLower(span.TraceId.Span);
        var spanId = Convert.ToHexStringLower(span.SpanId.Span);
        var parentId = span.ParentSpanId.Length == 8 && !AllZero(span.ParentSpanId) ? Convert.ToHexStringLower(span.ParentSpanId.Span) : null;
        var start = Time(span.StartTimeUnixNano);
        var end = Time(span.EndTimeUnixNano);
        var failure = span.Status is { Code: Status.Types.StatusCode.Error } status ? status : null;

        var type = OtlpSpanContent.TypeOf(attributes);
        var usage = OtlpUsage.From(attributes);
        var (input, output) = OtlpSpanContent.InputOutput(attributes, type);
        var firstChunk = attributes.Double("gen_ai.response.time_to_first_chunk");
        var promptVersion = attributes.Long("llmops.prompt.version", "langfuse.observation.prompt.version");

        var write = new ObservationWrite
        {
            ProjectId = projectId,
            Id = spanId,
            TraceId = traceId,
            ParentId = parentId,
            Type = type,
            Name = Cap(span.Name.Length > 0 ? span.Name : null, MaxNameChars, "name", truncated),
            StartTime = start,
            EndTime = end,
            CompletionStartTime = start is { } s && firstChunk is >= 0 and < 86_400 ? s.AddSeconds(firstChunk.Value) : null,
            Model = Cap(attributes.String("gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "langfuse.observation.model.name"),
                MaxKeyChars, "model", truncated),
            Provider = Cap(attributes.String("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"),
                MaxKeyChars, "provider", truncated),
            PromptName = Cap(attributes.String("llmops.prompt.name", "langfuse.observation.prompt.name"), MaxKeyChars, "promptName", truncated),
            PromptVersion = promptVersion is <= int.MaxValue ? (int?)promptVersion : null,
            InputTokens = usage.Input,
            OutputTokens = usage.Output,
            CachedInputTokens = usage.Cached,
            ReasoningTokens = usage.Reasoning,
            UsageEstimated = usage.Input is null && usage.Output is null ? null : false,
            Status = failure is null ? "ok" : "error",
            StatusMessage = failure is { Message.Length: > 0 } ? Cap(failure.Message, MaxTextChars, "statusMessage", truncated) : null,
            Input = Cap(input, MaxTextChars, "input", truncated),
            Output = Cap(output, MaxTextChars, "output", truncated),
            SessionId = Cap(attributes.String("gen_ai.conversation.id", "session.id"), MaxKeyChars, "sessionId", truncated),
            UserId = Cap(attributes.String("user.id", "enduser.id"), MaxKeyChars, "userId", truncated),
            Feature = Cap(attributes.String("llmops.feature"), MaxKeyChars, "feature", truncated),
        };

        // Named entries that trace completion and the UI read; they win over an unmapped attribute of the same name.
        var known = new JsonObject();
        if (attributes.Json("gen_ai.system_instructions") is { } instructions)
            known["systemInstructions"] = JsonOrText(instructions, truncated);
        if (attributes.String("gen_ai.data_source.id") is { } dataSource)
            known["dataSourceId"] = dataSource;
        if (scope is { Name.Length: > 0 })
        {
            known["scope"] = new JsonObject { ["name"] = scope.Name };
            if (scope.Version.Length > 0)
                known["scope"]!["version"] = scope.Version;
        }
        if (span.Kind is not (Span.Types.SpanKind.Unspecified or Span.Types.SpanKind.Internal))
            known["spanKind"] = span.Kind.ToString().ToLowerInvariant();
        if (Links(span, truncated) is { } links)
            known["links"] = links;

        var evaluations = new JsonArray();
        for (var index = 0; index < span.Events.Count; index++)
        {
            var spanEvent = span.Events[index];
            var eventTruncated = false;
            var eventAttributes = OtlpAttributes.ToJsonObject(spanEvent.Attributes, MaxMetadataValueChars, ref eventTruncated);
            var at = Time(spanEvent.TimeUnixNano) ?? start;
            if (spanEvent.Name == EvaluationEvent)
            {
                // A score of the span (and kept in its metadata as sent).
                evaluations.Add(new JsonObject { ["time"] = Iso(at), ["attributes"] = eventAttributes });
                if (eventTruncated)
                    truncated.Add("evaluations");
                if (Score(projectId, traceId, spanId, index, spanEvent, at ?? DateTime.UtcNow) is { } score)
                    batch.Scores.Add(score);
                continue;
            }
            if (eventTruncated)
                eventAttributes["truncated"] = new JsonArray("attributes");
            batch.Observations.Add(new ObservationWrite
            {
                ProjectId = projectId,
                Id = InferenceObservations.DerivedSpanId(spanId, $"event/{index}/{spanEvent.Name}"),
                TraceId = traceId,
                ParentId = spanId,
                Type = ObservationTypes.Event,
                Name = Cap(spanEvent.Name.Length > 0 ? spanEvent.Name : "event", MaxNameChars, "events", truncated),
                StartTime = at,
                EndTime = at,
                Status = "ok",
                Metadata = OtlpAttributes.Serialize(eventAttributes),
            });
        }
        if (evaluations.Count > 0)
            known["evaluations"] = evaluations;

        var unmappedTruncated = false;
        var unmapped = attributes.Unmapped(MaxMetadataValueChars, ref unmappedTruncated);
        if (unmappedTruncated)
            truncated.Add("attributes");
        batch.Observations.Add(write with { Metadata = OtlpMetadata.Compose(unmapped, known, resource, truncated, MaxTextChars) });
    }

    /// <summary>
    /// A <c>gen_ai.evaluation.result</c> event as a score of its span: <c>gen_ai.evaluation.name</c>,
    /// <c>.score.value</c> (numeric) or <c>.score.label</c> (categorical), <c>.explanation</c>. Its id derives from the
    /// span and the event's position, so a resent span updates the same score. Events without a name or a value are not scores.
    /// </summary>
    private static ScoreWrite? Score(string projectId, string traceId, string spanId, int index, Span.Types.Event spanEvent, DateTime at)
    {
        var attributes = new OtlpAttributes(spanEvent.Attributes);
        var name = attributes.String("gen_ai.evaluation.name");
        var value = attributes.Double("gen_ai.evaluation.score.value");
        var label = attributes.String("gen_ai.evaluation.score.label");
        if (name is not { Length: > 0 and <= 200 } || value is null && label is null)
            return null;
        var cut = false;
        return new ScoreWrite
        {
            ProjectId = projectId,
            Id = InferenceObservations.DerivedSpanId(spanId, $"evaluation/{index}/{name}"),
            TraceId = traceId,
            ObservationId = spanId,
            Name = name,
            DataType = value is null ? "categorical" : "numeric",
            Value = value is { } v && double.IsFinite(v) ? v : null,
            Label = label is null ? null : OtlpAttributes.Capped(label, MaxKeyChars, ref cut),
            Comment = attributes.String("gen_ai.evaluation.explanation") is { } explanation
                ? OtlpAttributes.Capped(explanation, MaxMetadataValueChars, ref cut)
                : null,
            Source = "eval",
            Timestamp = at,
        };
    }

    private static JsonArray? Links(Span span, SortedSet<string> truncated)
    {
        if (span.Links.Count == 0)
            return null;
        var links = new JsonArray();
        foreach (var link in span.Links)
        {
            var linkTruncated = false;
            var entry = new JsonObject
            {
                ["traceId"] = Convert.ToHexStringLower(link.TraceId.Span),
                ["spanId"] = Convert.ToHexStringLower(link.SpanId.Span),
            };
            if (link.Attributes.Count > 0)
                entry["attributes"] = OtlpAttributes.ToJsonObject(link.Attributes, MaxMetadataValueChars, ref linkTruncated);
            if (linkTruncated)
                truncated.Add("links");
            links.Add(entry);
        }
        return links;
    }

    /// <summary>JSON content (system instructions are a JSON array of parts) embedded as JSON; anything else as a string.</summary>
    private static JsonNode? JsonOrText(string text, SortedSet<string> truncated)
    {
        if (text.Length > MaxMetadataValueChars)
        {
            truncated.Add("systemInstructions");
            var cut = false;
            return JsonValue.Create(OtlpAttributes.Capped(text, MaxMetadataValueChars, ref cut));
        }
        try
        {
            return text.TrimStart() is ['[' or '{', ..] ? JsonNode.Parse(text) : JsonValue.Create(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static string? Cap(string? text, int maxChars, string field, SortedSet<string> truncated)
    {
        if (text is null)
            return null;
        var cut = false;
        var capped = OtlpAttributes.Capped(text, maxChars, ref cut);
        if (cut)
            truncated.Add(field);
        return capped;
    }

    /// <summary>Unix nanoseconds as UTC; 0 means "not reported".</summary>
    private static DateTime? Time(ulong unixNanos) =>
        unixNanos == 0 ? null : DateTime.SpecifyKind(DateTime.UnixEpoch.AddTicks((long)(unixNanos / 100)), DateTimeKind.Utc);

    private static string? Iso(DateTime? time) => time?.ToString("O", CultureInfo.InvariantCulture);

    private static bool AllZero(ByteString bytes) => !bytes.Span.ContainsAnyExcept((byte)0);
}
