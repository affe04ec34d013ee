using System.Text.Json;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>A trace as the query API returns it: the trace and its observations, parents before children.</summary>
public sealed record TraceView(
    string Id,
    string ProjectId,
    string? Name,
    string? UserId,
    string? SessionId,
    string? Feature,
    DateTime StartTime,
    DateTime? EndTime,
    double? LatencyMs,
    string Status,
    JsonElement? Input,
    string? Output,
    JsonElement? Metadata,
    IReadOnlyList<ObservationView> Observations)
{
    public static TraceView From(TraceRecord trace, IReadOnlyList<ObservationRecord> observations) => new(
        trace.Id, trace.ProjectId, trace.Name, trace.UserId, trace.SessionId, trace.Feature,
        AsUtc(trace.StartTime), trace.EndTime is { } end ? AsUtc(end) : null,
        trace.EndTime is { } e ? (e - trace.StartTime).TotalMilliseconds : null,
        trace.Status, ParseJson(trace.Input), trace.Output, ParseJson(trace.Metadata),
        observations.OrderBy(o => o.StartTime).ThenBy(o => o.Id, StringComparer.Ordinal).Select(ObservationView.From).ToList());

    // SQLite hands DateTimes back without a kind; they were written as UTC.
    internal static DateTime AsUtc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    /// <summary>Stored JSON is returned as JSON; anything else (plain text input) as a JSON string.</summary>
    internal static JsonElement? ParseJson(string? text)
    {
        if (text is null)
            return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text);
        }
    }
}

public sealed record ObservationView(
    string Id,
    string? ParentId,
    string Type,
    string Name,
    DateTime? StartTime,
    DateTime? EndTime,
    DateTime? CompletionStartTime,
    string? Model,
    string? Provider,
    string? Deployment,
    string? PromptName,
    int? PromptVersion,
    UsageView Usage,
    string Status,
    string? StatusMessage,
    JsonElement? Input,
    string? Output,
    JsonElement? Metadata,
    Guid? InferenceId)
{
    public static ObservationView From(ObservationRecord o) => new(
        o.Id, o.ParentId, o.Type ?? ObservationTypes.Span, o.Name ?? "", o.StartTime is { } start ? TraceView.AsUtc(start) : null,
        o.EndTime is { } end ? TraceView.AsUtc(end) : null,
        o.CompletionStartTime is { } first ? TraceView.AsUtc(first) : null,
        o.Model, o.Provider, o.Deployment, o.PromptName, o.PromptVersion,
        new UsageView(o.InputTokens ?? 0, o.OutputTokens ?? 0, o.CachedInputTokens ?? 0, o.ReasoningTokens ?? 0, o.UsageEstimated ?? false),
        o.Status ?? "ok", o.StatusMessage, TraceView.ParseJson(o.Input), o.Output, TraceView.ParseJson(o.Metadata), o.InferenceId);
}

public sealed record UsageView(long InputTokens, long OutputTokens, long CachedInputTokens, long ReasoningTokens, bool Estimated);
