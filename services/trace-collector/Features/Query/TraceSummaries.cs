using LlmOps.TraceCollector.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>A trace in a list (<c>GET /api/traces</c>, a session): what it was, how it went, what it cost, how it scored.</summary>
public sealed record TraceSummary(
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
    string? InputPreview,
    string? OutputPreview,
    int ObservationCount,
    long TotalInputTokens,
    long TotalOutputTokens,
    IReadOnlyList<string> Models,
    IReadOnlyList<ScoreSummary> Scores);

public sealed record ScoreSummary(string Name, double? Value, string? Label);

/// <summary>
/// Turns a page of traces into <see cref="TraceSummary"/>s with a fixed number of queries whatever the page size: the
/// traces (inputs and outputs cut to a preview by the database, so a page never drags whole prompts over the wire),
/// then one grouped query over their observations and one over their scores.
/// </summary>
public static class TraceSummaries
{
    public const int PreviewLength = 200;

    /// <summary>The columns a summary needs; <paramref name="traces"/> is already filtered, ordered and limited.</summary>
    public static async Task<List<TraceSummary>> LoadAsync(IQueryable<TraceRecord> traces, TraceCollectorDbContext db,
        CancellationToken cancellationToken)
    {
        var rows = await traces.Select(t => new TraceRow(t.ProjectId, t.Id, t.Name, t.UserId, t.SessionId, t.Feature,
                t.StartTime, t.EndTime, t.Status,
                t.Input == null ? null : t.Input.Substring(0, PreviewLength),
                t.Output == null ? null : t.Output.Substring(0, PreviewLength)))
            .ToListAsync(cancellationToken);
        if (rows.Count == 0)
            return [];

        // Filtering by ids and projects separately may fetch a little more than the page (the admin's page can mix
        // projects that reuse a trace id); the lookups below keep only exact (project, trace) pairs.
        var ids = rows.Select(r => r.Id).Distinct().ToList();
        var projects = rows.Select(r => r.ProjectId).Distinct().ToList();

        // One row per (trace, model): the counts and tokens add up per trace, the non-null models list themselves.
        var usage = (await db.Observations.AsNoTracking()
                .Where(o => projects.Contains(o.ProjectId) && ids.Contains(o.TraceId))
                .GroupBy(o => new { o.ProjectId, o.TraceId, o.Model })
                .Select(g => new
                {
                    g.Key.ProjectId, g.Key.TraceId, g.Key.Model, Count = g.Count(),
                    InputTokens = g.Sum(o => o.InputTokens ?? 0), OutputTokens = g.Sum(o => o.OutputTokens ?? 0),
                })
                .ToListAsync(cancellationToken))
            .ToLookup(u => (u.ProjectId, u.TraceId));

        var scores = (await db.Scores.AsNoTracking()
                .Where(s => projects.Contains(s.ProjectId) && s.TraceId != null && ids.Contains(s.TraceId))
                .Select(s => new { s.ProjectId, s.TraceId, s.Name, s.Value, s.Label, s.Timestamp })
                .ToListAsync(cancellationToken))
            .ToLookup(s => (s.ProjectId, TraceId: s.TraceId!));

        return rows.Select(r =>
        {
            var models = usage[(r.ProjectId, r.Id)].ToList();
            return new TraceSummary(r.Id, r.ProjectId, r.Name, r.UserId, r.SessionId, r.Feature,
                TraceView.AsUtc(r.StartTime), r.EndTime is { } end ? TraceView.AsUtc(end) : null,
                r.EndTime is { } e ? (e - r.StartTime).TotalMilliseconds : null,
                r.Status, r.InputPreview, r.OutputPreview,
                models.Sum(m => m.Count), models.Sum(m => m.InputTokens), models.Sum(m => m.OutputTokens),
                models.Where(m => m.Model is not null).Select(m => m.Model!).Order(StringComparer.Ordinal).ToList(),
                scores[(r.ProjectId, r.Id)].OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Timestamp)
                    .Select(s => new ScoreSummary(s.Name, s.Value, s.Label)).ToList());
        }).ToList();
    }

    private sealed record TraceRow(string ProjectId, string Id, string? Name, string? UserId, string? SessionId, string? Feature,
        DateTime StartTime, DateTime? EndTime, string Status, string? InputPreview, string? OutputPreview);
}
