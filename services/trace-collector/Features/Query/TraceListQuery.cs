using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// The query string of <c>GET /api/traces</c>, bound as text so that a malformed value gets a problem details 400
/// naming the parameter (typed binding would fail before the handler runs, with an empty 400).
/// </summary>
public sealed record TraceListParameters(
    string? From, string? To, string? Model, string? PromptName, string? PromptVersion, string? UserId, string? SessionId,
    string? Feature, string? Status, string? ScoreName, string? ScoreMin, string? ScoreMax, string? Search, string? Limit,
    string? Cursor, string? ProjectId);

/// <summary>A parameter the caller got wrong: answered with 400 <c>invalid_query_parameter</c>.</summary>
public sealed record ParameterError(string Parameter, string Message);

/// <summary>The validated filters of a trace list. Time bounds are half-open: <c>from ≤ startTime &lt; to</c>.</summary>
public sealed record TraceListQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    private const string LikeEscape = "\\";

    public DateTime? From { get; private init; }
    public DateTime? To { get; private init; }
    public string? Model { get; private init; }
    public string? PromptName { get; private init; }
    public int? PromptVersion { get; private init; }
    public string? UserId { get; private init; }
    public string? SessionId { get; private init; }
    public string? Feature { get; private init; }
    public string? Status { get; private init; }
    public string? ScoreName { get; private init; }
    public double? ScoreMin { get; private init; }
    public double? ScoreMax { get; private init; }
    public string? Search { get; private init; }
    public int Limit { get; private init; } = DefaultLimit;
    public TraceCursor? Cursor { get; private init; }

    public static bool TryParse(TraceListParameters p, [NotNullWhen(true)] out TraceListQuery? query,
        [NotNullWhen(false)] out ParameterError? error)
    {
        query = null;
        error = null;
        var textFilters = new TraceListQuery
        {
            Model = Blank(p.Model), PromptName = Blank(p.PromptName), UserId = Blank(p.UserId), SessionId = Blank(p.SessionId),
            Feature = Blank(p.Feature), ScoreName = Blank(p.ScoreName), Search = Blank(p.Search),
        };

        if (!QueryTime.TryParse(p.From, out var from))
            error = new("from", "'from' must be an ISO-8601 date or time, e.g. 2026-01-31T12:00:00Z.");
        else if (!QueryTime.TryParse(p.To, out var to))
            error = new("to", "'to' must be an ISO-8601 date or time, e.g. 2026-01-31T12:00:00Z.");
        else if (from > to)
            error = new("from", "'from' must not be later than 'to'.");
        else if (!TryInt(p.Limit, out var limit) || limit is < 1 or > MaxLimit)
            error = new("limit", $"'limit' must be a whole number from 1 to {MaxLimit}.");
        else if (!TryInt(p.PromptVersion, out var promptVersion))
            error = new("promptVersion", "'promptVersion' must be a whole number.");
        else if (promptVersion is not null && textFilters.PromptName is null)
            error = new("promptVersion", "'promptVersion' needs 'promptName': versions are numbered per prompt.");
        else if (Blank(p.Status) is { } status && status is not ("ok" or "error"))
            error = new("status", "'status' must be 'ok' or 'error'.");
        else if (!TryNumber(p.ScoreMin, out var scoreMin))
            error = new("scoreMin", "'scoreMin' must be a number.");
        else if (!TryNumber(p.ScoreMax, out var scoreMax))
            error = new("scoreMax", "'scoreMax' must be a number.");
        else if ((scoreMin ?? scoreMax) is not null && textFilters.ScoreName is null)
            error = new(scoreMin is null ? "scoreMax" : "scoreMin", "'scoreMin' and 'scoreMax' need 'scoreName'.");
        else if (scoreMin > scoreMax)
            error = new("scoreMin", "'scoreMin' must not be greater than 'scoreMax'.");
        else if (!TryCursor(p.Cursor, out var cursor))
            error = new("cursor", "'cursor' is not a cursor this API returned.");
        else
            query = textFilters with
            {
                From = from, To = to, Limit = limit ?? DefaultLimit, PromptVersion = promptVersion, Status = Blank(p.Status),
                ScoreMin = scoreMin, ScoreMax = scoreMax, Cursor = cursor,
            };
        return query is not null;
    }

    /// <summary>The filters as SQL; the cursor and the order are the caller's (<see cref="ListTracesEndpoint"/>).</summary>
    public IQueryable<TraceRecord> Apply(IQueryable<TraceRecord> traces, TraceCollectorDbContext db)
    {
        if (From is { } from)
            traces = traces.Where(t => t.StartTime >= from);
        if (To is { } to)
            traces = traces.Where(t => t.StartTime < to);
        if (UserId is { } userId)
            traces = traces.Where(t => t.UserId == userId);
        if (SessionId is { } sessionId)
            traces = traces.Where(t => t.SessionId == sessionId);
        if (Feature is { } feature)
            traces = traces.Where(t => t.Feature == feature);
        if (Status is { } status)
            traces = traces.Where(t => t.Status == status);

        if (Model is { } model)
            traces = traces.Where(t => db.Observations.Any(o => o.ProjectId == t.ProjectId && o.TraceId == t.Id && o.Model == model));
        if (PromptName is { } promptName)
        {
            // Name and version must be on the same observation: version 3 of another prompt is not a match.
            var observations = db.Observations.Where(o => o.PromptName == promptName);
            if (PromptVersion is { } version)
                observations = observations.Where(o => o.PromptVersion == version);
            traces = traces.Where(t => observations.Any(o => o.ProjectId == t.ProjectId && o.TraceId == t.Id));
        }
        if (ScoreName is { } scoreName)
        {
            var scores = db.Scores.Where(s => s.Name == scoreName);
            if (ScoreMin is { } min)
                scores = scores.Where(s => s.Value >= min);
            if (ScoreMax is { } max)
                scores = scores.Where(s => s.Value <= max);
            traces = traces.Where(t => scores.Any(s => s.ProjectId == t.ProjectId && s.TraceId == t.Id));
        }
        if (Search is { } search)
        {
            // lower() folds only ASCII on SQLite (and per locale on PostgreSQL), so the exact-case match is tried too:
            // an exact substring is always found, and case-insensitively wherever the database can fold the letters.
            var exact = "%" + EscapeLike(search) + "%";
            var folded = "%" + EscapeLike(search.ToLowerInvariant()) + "%";
            traces = traces.Where(t =>
                EF.Functions.Like(t.Input!, exact, LikeEscape) || EF.Functions.Like(t.Input!.ToLower(), folded, LikeEscape) ||
                EF.Functions.Like(t.Output!, exact, LikeEscape) || EF.Functions.Like(t.Output!.ToLower(), folded, LikeEscape));
        }
        return traces;
    }

    internal static string EscapeLike(string text) =>
        text.Replace(LikeEscape, LikeEscape + LikeEscape, StringComparison.Ordinal)
            .Replace("%", LikeEscape + "%", StringComparison.Ordinal)
            .Replace("_", LikeEscape + "_", StringComparison.Ordinal);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;


    private static bool TryInt(string? text, out int? value)
    {
        value = null;
        if (Blank(text) is null)
            return true;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            return false;
        value = parsed;
        return true;
    }

    private static bool TryNumber(string? text, out double? value)
    {
        value = null;
        if (Blank(text) is null)
            return true;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !double.IsFinite(parsed))
            return false;
        value = parsed;
        return true;
    }

    private static bool TryCursor(string? text, out TraceCursor? cursor)
    {
        cursor = null;
        return Blank(text) is null || TraceCursor.TryDecode(text!, out cursor);
    }
}
