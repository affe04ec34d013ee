using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.Evaluator.Tests.Unit.Loop;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Evaluator.Tests.Storage;

/// <summary>
/// Every score a project's window holds, read plainly from both stores (rows, and the check masks expanded to the rows
/// they replace): what the database's counts are checked against.
/// </summary>
public static class StoredPoints
{
    public static async Task<List<ScorePoint>> ReadAsync(EvaluatorDbContext db, string projectId, DateTime from)
    {
        var rows = await db.LoopScores.AsNoTracking().Where(s => s.ProjectId == projectId && s.RecordedAt >= from).ToListAsync();
        var traces = await db.EvaluatedTraces.AsNoTracking().Where(t => t.ProjectId == projectId && t.CheckedAt >= from && t.ChecksRun != 0).ToListAsync();
        return rows.Select(r => new ScorePoint(r.TraceId!, r.Name, r.Value!.Value, r.PromptName, r.PromptVersion, r.Model, r.DataSourceId, Utc(r.RecordedAt)))
            .Concat(traces.SelectMany(t => new CheckOutcomes(t.ChecksRun, t.ChecksFailed).Expand()
                .Select(c => new ScorePoint(t.TraceId, c.Name, c.Value, t.PromptName, t.PromptVersion, t.Model, t.DataSourceId, Utc(t.CheckedAt!.Value)))))
            .ToList();
    }

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
