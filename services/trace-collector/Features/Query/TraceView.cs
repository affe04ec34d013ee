using System.Text.Json;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// A trace as <c>GET /api/traces/{id}</c> returns it: the trace, its own scores, and its observations parents before
/// children (<see cref="ObservationOrder"/>), each with its depth and scores.
/// </summary>
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
    IReadOnlyList<ScoreView> Scores,
    IReadOnlyList<ObservationView> Observations)
{
    /// <summary>
    /// A score goes to the observation it names; scores naming no observation of this trace are the trace's own, so
    /// none is lost when its observation has not arrived yet.
    /// </summary>
    public static TraceView From(TraceRecord trace, IReadOnlyList<ObservationRecord> observations, IReadOnlyList<ScoreRecord> scores)
    {
        var ids = observations.Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
        var ofObservation = scores.Where(s => s.ObservationId is not null && ids.Contains(s.ObservationId))
            .ToLookup(s => s.ObservationId!, StringComparer.Ordinal);
        var ofTrace = scores.Where(s => s.ObservationId is null || !ids.Contains(s.ObservationId));

        return new TraceView(trace.Id, trace.ProjectId, trace.Name, trace.UserId, trace.SessionId, trace.Feature,
            AsUtc(trace.StartTime), trace.EndTime is { } end ? AsUtc(end) : null,
            trace.EndTime is { } e ? (e - trace.StartTime).TotalMilliseconds : null,
            trace.Status, ParseJson(trace.Input), trace.Output, ParseJson(trace.Metadata),
            ScoreView.List(ofTrace),
            ObservationOrder.Flatten(observations)
                .Select(item => ObservationView.From(item.Observation, item.Depth, ScoreView.List(ofObservation[item.Observation.Id])))
                .ToList());
    }

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
    int Depth,
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
    Guid? InferenceId,
    IReadOnlyList<ScoreView> Scores)
{
    public static ObservationView From(ObservationRecord o, int depth, IReadOnlyList<ScoreView> scores) => new(
        o.Id, o.ParentId, depth, o.Type ?? ObservationTypes.Span, o.Name ?? "", o.StartTime is { } start ? TraceView.AsUtc(start) : null,
        o.EndTime is { } end ? TraceView.AsUtc(end) : null,
        o.CompletionStartTime is { } first ? TraceView.AsUtc(first) : null,
        o.Model, o.Provider, o.Deployment, o.PromptName, o.PromptVersion,
        new UsageView(o.InputTokens ?? 0, o.OutputTokens ?? 0, o.CachedInputTokens ?? 0, o.ReasoningTokens ?? 0, o.UsageEstimated ?? false),
        o.Status ?? "ok", o.StatusMessage, TraceView.ParseJson(o.Input), o.Output, TraceView.ParseJson(o.Metadata), o.InferenceId, scores);
}

public sealed record UsageView(long InputTokens, long OutputTokens, long CachedInputTokens, long ReasoningTokens, bool Estimated);

public sealed record ScoreView(
    string Id,
    string Name,
    string DataType,
    double? Value,
    string? Label,
    string? Comment,
    string Source,
    string Status,
    string? EvaluatorName,
    string? JudgeModel,
    DateTime Timestamp)
{
    public static IReadOnlyList<ScoreView> List(IEnumerable<ScoreRecord> scores) => scores
        .OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Timestamp).ThenBy(s => s.Id, StringComparer.Ordinal)
        .Select(s => new ScoreView(s.Id, s.Name, s.DataType, s.Value, s.Label, s.Comment, s.Source, s.Status,
            s.EvaluatorName, s.JudgeModel, TraceView.AsUtc(s.Timestamp)))
        .ToList();
}
