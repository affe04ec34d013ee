using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Features.Online;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.Evaluator.Tests.Unit.Loop;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests.Storage;

/// <summary>
/// The window reader on the real store (SQLite, or PostgreSQL with LLMOPS_EVALUATOR_TESTS_ON_POSTGRES=1): the same check
/// outcomes kept as loop_scores rows (how they were stored before the masks) and as masks on the trace rows read alike
/// for all three readers — the controller's counts and failing traces, drift's failure counts and the fine-tune curator's
/// top traces — and the counts are what the stored scores say.
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

    private static readonly LoopOptions Options = new() { MinSamples = 5 };

    private Task<WindowSummary> SummaryAsync(string project, DateTime from, int max = 200_000) => ReadAsync(async w =>
        await w.SummaryAsync(project, await w.BoundsAsync(project, from, max, CancellationToken.None), Options, CancellationToken.None));

    private async Task<List<ScorePoint>> PointsAsync(string project, DateTime from)
    {
        await using var scope = _host.Host.Services.CreateAsyncScope();
        return await StoredPoints.ReadAsync(scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>(), project, from);
    }

    private static WindowSummary Sorted(WindowSummary summary) => new(
        summary.Checks.OrderBy(c => c.PromptName).ThenBy(c => c.Version).ThenBy(c => c.Metric).ToList(),
        summary.Sources.OrderBy(c => c.DataSource).ThenBy(c => c.Metric).ToList(),
        summary.Grounded.OrderBy(c => c.Model).ThenBy(c => c.PromptName).ThenBy(c => c.Version).ToList());

    private static void AssertSame(WindowSummary expected, WindowSummary actual)
    {
        (expected, actual) = (Sorted(expected), Sorted(actual));
        Assert.Equal(expected.Checks, actual.Checks);
        Assert.Equal(expected.Sources, actual.Sources);
        Assert.Equal(expected.Grounded, actual.Grounded);
    }

    [Fact]
    public async Task The_database_counts_the_window_as_the_scores_it_holds_say_and_masks_count_like_the_rows_they_replace()
    {
        await StoreBothWaysAsync();

        var fromRows = await SummaryAsync("rows", Now.AddHours(-48));
        var fromMasks = await SummaryAsync("masks", Now.AddHours(-48));

        AssertSame(PointWindow.Summarize(await PointsAsync("rows", Now.AddHours(-48)), Options), fromRows);
        AssertSame(fromRows, fromMasks);
        // 40 JSON checks on two versions, traces 0, 4, ..., 36 failing.
        Assert.Equal((40, 10), (fromMasks.Checks.Where(c => c.Metric == ScoreNames.JsonValid).Sum(c => c.N),
            fromMasks.Checks.Where(c => c.Metric == ScoreNames.JsonValid).Sum(c => c.Failing)));
    }

    [Fact]
    public async Task A_failing_set_reads_the_same_traces_from_rows_masks_and_the_scores_themselves()
    {
        await StoreBothWaysAsync();
        var points = await PointsAsync("rows", Now.AddHours(-48));
        var sets = new[]
        {
            new FailingSet { Metric = ScoreNames.JsonValid, Below = 0.5, Versions = [new PromptVersionKey("answer", 1)] },
            new FailingSet { Metric = ScoreNames.Regex, Below = 0.5, Model = "m2" },
            new FailingSet { Metric = ScoreNames.Faithfulness, Below = 0.9, DataSource = "kb", Versions = [new PromptVersionKey("answer", 1), new PromptVersionKey("answer", 2)] },
        };

        foreach (var set in sets)
        {
            var expected = PointWindow.Failing(points, set);
            Assert.NotEmpty(expected);
            foreach (var project in new[] { "rows", "masks" })
            {
                var actual = await ReadAsync(async w => await w.FailingTraceIdsAsync(project, set,
                    await w.BoundsAsync(project, Now.AddHours(-48), 200_000, CancellationToken.None), 1_000, CancellationToken.None));
                Assert.Equal(expected.Order(), actual.Order());
            }
        }
    }

    [Fact]
    public async Task Only_the_newest_scores_of_a_window_count_and_only_from_its_start()
    {
        await StoreBothWaysAsync();

        var recent = await SummaryAsync("masks", Now.AddHours(-1));
        var capped = await SummaryAsync("masks", Now.AddHours(-48), max: 15);

        // Traces 20–39 are recent: 20 JSON checks (5 failing) and 20 faithfulness scores.
        Assert.Equal((20, 5), (recent.Checks.Where(c => c.Metric == ScoreNames.JsonValid).Sum(c => c.N), recent.Checks.Where(c => c.Metric == ScoreNames.JsonValid).Sum(c => c.Failing)));
        Assert.Equal(20, recent.Sources.Single(c => c.Metric == ScoreNames.Faithfulness).N);
        // Capped at 15 newest: everything recent (all stored at one instant, so the cut keeps the whole instant), nothing older.
        AssertSame(recent, capped);
    }

    [Fact]
    public async Task A_rescore_replaces_a_traces_row_and_an_older_or_redelivered_score_changes_nothing()
    {
        var trace = Traces.Trace("project-r", "q", "a", traceId: "rescored", dataSource: "kb");
        var first = Score(trace, ScoreNames.ContextRelevance, 0.1, Now.AddMinutes(-10));
        var second = Score(trace, ScoreNames.ContextRelevance, 0.9, Now.AddMinutes(-5));
        await using (var scope = _host.Host.Services.CreateAsyncScope())
        {
            var scores = scope.ServiceProvider.GetRequiredService<LoopScores>();
            await scores.RecordAsync([first], CancellationToken.None);
            await scores.RecordAsync([second, first], CancellationToken.None);
            await scores.RecordAsync([first], CancellationToken.None);
        }

        var summary = await SummaryAsync("project-r", Now.AddHours(-1));
        Assert.Equal(new SourceCount("kb", ScoreNames.ContextRelevance, 1, 0, 0), Assert.Single(summary.Sources));
        await using var read = _host.Host.Services.CreateAsyncScope();
        var row = await read.ServiceProvider.GetRequiredService<EvaluatorDbContext>().LoopScores.AsNoTracking().SingleAsync(s => s.ProjectId == "project-r");
        Assert.Equal((second.ScoreId, 0.9), (row.ScoreId, row.Value!.Value));
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
        var afterJudge = await PointsAsync("project-a", Now.AddHours(-1));
        Assert.Equal([(ScoreNames.JsonValid, 0.0, Now.AddMinutes(-10)), (ScoreNames.Regex, 1.0, Now.AddMinutes(-10))],
            afterJudge.Select(p => (p.Name, p.Value, p.RecordedAt)).OrderBy(p => p.Name).ToList());

        await using (var scope = _host.Host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<OnlineEvaluation>().RememberAsync([second], Now, CancellationToken.None,
                new Dictionary<(string, string), CheckOutcomes> { [("project-a", "recheck")] = CheckOutcomes.Fold([Score(second, ScoreNames.JsonValid, 1, Now)]) });
        }
        var afterRecheck = await PointsAsync("project-a", Now.AddHours(-1));
        Assert.Equal([(ScoreNames.JsonValid, 1.0), (ScoreNames.Regex, 1.0)], afterRecheck.Select(p => (p.Name, p.Value)).OrderBy(p => p.Name).ToList());

        await using (var scope = _host.Host.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>().EvaluatedTraces.AsNoTracking()
                .SingleAsync(t => t.ProjectId == "project-a" && t.TraceId == "recheck");
            Assert.Equal((2, "a2", 0), (stored.Revision, stored.Answer, stored.ChecksFailed));
        }
    }
}
