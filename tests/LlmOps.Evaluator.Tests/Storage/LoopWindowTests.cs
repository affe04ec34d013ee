using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Features.Online;
using LlmOps.Evaluator.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests.Storage;

/// <summary>
/// The window reader on the real store (SQLite, or PostgreSQL with LLMOPS_EVALUATOR_TESTS_ON_POSTGRES=1): the same check
/// outcomes kept as loop_scores rows (how they were stored before the masks) and as masks on the trace rows read alike
/// for all three readers — the controller's points, drift's failure counts and the fine-tune curator's top traces.
/// </summary>
public sealed class LoopWindowTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    private EvaluatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EvaluatorHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private sealed record Traced(TraceCompleted Trace, DateTime At, List<ScoreRecorded> Checks, ScoreRecorded Faithfulness);

    /// <summary>40 traces on two prompt versions and two models, half a day and a half hour old, with 2–3 checks and a faithfulness score each.</summary>
    private static List<Traced> Traffic(string project) => Enumerable.Range(0, 40).Select(i =>
    {
        var trace = Traces.Trace(project, $"question {i}", $"answer {i}", version: 1 + i % 2, model: i % 3 == 0 ? "m2" : "m1", dataSource: "kb",
            traceId: $"t{i}");
        var at = i < 20 ? Now.AddHours(-30) : Now.AddMinutes(-30);
        var checks = new List<ScoreRecorded> { Score(trace, ScoreNames.JsonValid, i % 4 == 0 ? 0 : 1, at), Score(trace, ScoreNames.Regex, i % 7 == 0 ? 0 : 1, at) };
        if (i % 2 == 0)
            checks.Add(Score(trace, ScoreNames.Length, i % 10 == 0 ? 0 : 1, at));
        return new Traced(trace, at, checks, Score(trace, ScoreNames.Faithfulness, i % 5 == 0 ? 0.6 : 0.95, at));
    }).ToList();

    private static ScoreRecorded Score(TraceCompleted trace, string name, double value, DateTime at) => new()
    {
        ScoreId = Guid.NewGuid(), ProjectId = trace.ProjectId, TraceId = trace.TraceId, Name = name, DataType = ScoreDataTypes.Numeric, Value = value,
        Source = ScoreSources.Eval, Status = ScoreStatuses.Ok, PromptName = trace.PromptName, PromptVersion = trace.PromptVersion, Model = trace.Model,
        DataSourceId = trace.DataSourceId, RecordedAt = new DateTimeOffset(at),
    };

    /// <summary>Project "rows" keeps every score as a loop_scores row; project "masks" keeps the checks as masks, as the evaluator now does.</summary>
    private async Task StoreBothWaysAsync()
    {
        await using var scope = _host.Host.Services.CreateAsyncScope();
        var scores = scope.ServiceProvider.GetRequiredService<LoopScores>();
        var online = scope.ServiceProvider.GetRequiredService<OnlineEvaluation>();
        var rows = Traffic("rows");
        await scores.RecordAsync(rows.SelectMany(t => t.Checks.Append(t.Faithfulness)).ToList(), CancellationToken.None);
        var masks = Traffic("masks");
        await scores.RecordAsync(masks.Select(t => t.Faithfulness).ToList(), CancellationToken.None);
        foreach (var batch in masks.GroupBy(t => t.At))
        {
            await online.RememberAsync(batch.Select(t => t.Trace).ToList(), batch.Key, CancellationToken.None,
                batch.ToDictionary(t => (t.Trace.ProjectId, t.Trace.TraceId), t => CheckOutcomes.Fold(t.Checks)));
        }
    }

    private async Task<T> ReadAsync<T>(Func<LoopWindow, Task<T>> read)
    {
        await using var scope = _host.Host.Services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<LoopWindow>());
    }

    [Fact]
    public async Task Check_masks_give_the_controller_the_same_points_as_the_rows_they_replace()
    {
        await StoreBothWaysAsync();

        var fromRows = await ReadAsync(w => w.PointsAsync("rows", Now.AddHours(-48), 200_000, CancellationToken.None));
        var fromMasks = await ReadAsync(w => w.PointsAsync("masks", Now.AddHours(-48), 200_000, CancellationToken.None));

        // 40 faithfulness, 40 JSON, 40 regex and 20 length scores.
        Assert.Equal(140, fromRows.Count);
        Assert.Equal(fromRows.OrderBy(p => p.TraceId).ThenBy(p => p.Name), fromMasks.OrderBy(p => p.TraceId).ThenBy(p => p.Name));
        Assert.Equal(10, fromMasks.Count(p => p.Name == ScoreNames.JsonValid && p.Value == 0));
    }

    [Fact]
    public async Task Only_the_newest_points_of_a_window_count_and_only_from_its_start()
    {
        await StoreBothWaysAsync();

        var recent = await ReadAsync(w => w.PointsAsync("masks", Now.AddHours(-1), 200_000, CancellationToken.None));
        var capped = await ReadAsync(w => w.PointsAsync("masks", Now.AddHours(-48), 50, CancellationToken.None));

        // Traces 20–39 are recent: 20 faithfulness, 20 JSON, 20 regex and 10 length scores.
        Assert.Equal(70, recent.Count);
        Assert.Equal(50, capped.Count);
        Assert.All(capped, p => Assert.Equal(Now.AddMinutes(-30), p.RecordedAt));
    }

    [Fact]
    public async Task Check_masks_give_drift_the_same_failure_counts_as_the_rows_they_replace()
    {
        await StoreBothWaysAsync();

        var fromRows = Totals(await ReadAsync(w => w.FailureCountsAsync(Now.AddHours(-48), Now.AddHours(-2), Now, 0.5, CancellationToken.None)), "rows");
        var fromMasks = Totals(await ReadAsync(w => w.FailureCountsAsync(Now.AddHours(-48), Now.AddHours(-2), Now, 0.5, CancellationToken.None)), "masks");

        Assert.Equal(fromRows, fromMasks);
        // JSON fails on traces 0, 4, ..., 16 in the baseline half and 20, 24, ..., 36 in the current one.
        Assert.Equal((20L, 5L), (fromMasks[("answer", "m1", false, ScoreNames.JsonValid)].N + fromMasks[("answer", "m2", false, ScoreNames.JsonValid)].N,
            fromMasks[("answer", "m1", false, ScoreNames.JsonValid)].Failing + fromMasks[("answer", "m2", false, ScoreNames.JsonValid)].Failing));
        Assert.Equal(20, fromMasks.Where(c => c.Key.Current && c.Key.Name == ScoreNames.JsonValid).Sum(c => c.Value.N));
    }

    private static Dictionary<(string?, string?, bool Current, string Name), (long N, long Failing)> Totals(List<LoopWindow.FailureCount> counts, string project) =>
        counts.Where(c => c.ProjectId == project)
            .GroupBy(c => (c.PromptName, c.Model, c.Current, c.Name))
            .ToDictionary(g => g.Key, g => (g.Sum(c => c.N), g.Sum(c => c.Failing)));

    [Fact]
    public async Task A_failed_check_mask_keeps_a_faithful_trace_out_of_the_fine_tune_candidates_as_its_row_did()
    {
        await StoreBothWaysAsync();

        var fromRows = await ReadAsync(w => w.TopScoredTraceIdsAsync("rows", "m1", Now.AddHours(-48), 0.9, 1_000, CancellationToken.None));
        var fromMasks = await ReadAsync(w => w.TopScoredTraceIdsAsync("masks", "m1", Now.AddHours(-48), 0.9, 1_000, CancellationToken.None));

        Assert.Equal(fromRows.Order(), fromMasks.Order());
        Assert.Contains("t1", fromMasks);
        // Faithful (0.95) but its JSON check failed.
        Assert.DoesNotContain("t4", fromMasks);
        // Its checks passed but it was not faithful enough (0.6).
        Assert.DoesNotContain("t25", fromMasks);
    }

    [Fact]
    public async Task A_write_without_outcomes_keeps_the_stored_ones_and_a_recheck_replaces_only_the_checks_it_ran()
    {
        var first = Traces.Trace("project-a", "q", "a", traceId: "recheck");
        var second = Traces.Trace("project-a", "q", "a2", traceId: "recheck", revision: 2);
        await using (var scope = _host.Host.Services.CreateAsyncScope())
        {
            var online = scope.ServiceProvider.GetRequiredService<OnlineEvaluation>();
            await online.RememberAsync([first], Now.AddMinutes(-10), CancellationToken.None, new Dictionary<(string, string), CheckOutcomes>
            {
                [("project-a", "recheck")] = CheckOutcomes.Fold([Score(first, ScoreNames.JsonValid, 0, Now), Score(first, ScoreNames.Regex, 1, Now)]),
            });
            // The judge lane stores the trace again with no check outcomes.
            await online.RememberAsync([first], Now.AddMinutes(-5), CancellationToken.None);
        }
        var afterJudge = await ReadAsync(w => w.PointsAsync("project-a", Now.AddHours(-1), 100, CancellationToken.None));
        Assert.Equal([(ScoreNames.JsonValid, 0.0, Now.AddMinutes(-10)), (ScoreNames.Regex, 1.0, Now.AddMinutes(-10))],
            afterJudge.Select(p => (p.Name, p.Value, p.RecordedAt)).OrderBy(p => p.Name).ToList());

        await using (var scope = _host.Host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<OnlineEvaluation>().RememberAsync([second], Now, CancellationToken.None,
                new Dictionary<(string, string), CheckOutcomes> { [("project-a", "recheck")] = CheckOutcomes.Fold([Score(second, ScoreNames.JsonValid, 1, Now)]) });
        }
        var afterRecheck = await ReadAsync(w => w.PointsAsync("project-a", Now.AddHours(-1), 100, CancellationToken.None));
        Assert.Equal([(ScoreNames.JsonValid, 1.0), (ScoreNames.Regex, 1.0)], afterRecheck.Select(p => (p.Name, p.Value)).OrderBy(p => p.Name).ToList());

        await using (var scope = _host.Host.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>().EvaluatedTraces.AsNoTracking()
                .SingleAsync(t => t.ProjectId == "project-a" && t.TraceId == "recheck");
            Assert.Equal((2, "a2", 0), (stored.Revision, stored.Answer, stored.ChecksFailed));
        }
    }
}
