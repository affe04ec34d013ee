using LlmOps.Contracts.Evaluation;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Tests.Storage;

/// <summary>The loop_scores purge on the real store (SQLite, or PostgreSQL with LLMOPS_EVALUATOR_TESTS_ON_POSTGRES=1).</summary>
public sealed class LoopScorePurgeTests : IAsyncLifetime
{
    private EvaluatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EvaluatorHost.StartAsync(new Dictionary<string, string?>
    {
        ["Evaluator:Loop:WindowHours"] = "48",
        ["Evaluator:Drift:BaselineHours"] = "24",
    });

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private static LoopScoreRecord Row(string project, DateTime at) => new()
    {
        ScoreId = Guid.NewGuid(), ProjectId = project, TraceId = Guid.NewGuid().ToString("N"), Name = ScoreNames.Faithfulness, Value = 0.9,
        Status = ScoreStatuses.Ok, Source = ScoreSources.Eval, RecordedAt = at,
    };

    [Fact]
    public async Task Scores_older_than_the_longest_window_plus_the_margin_are_deleted_in_chunks_and_the_rest_stay()
    {
        var settings = _host.Host.Services.GetRequiredService<IOptions<EvaluatorOptions>>().Value;
        var now = DateTime.UtcNow;
        var cutoff = LoopScorePurge.Cutoff(settings, now);
        // The loop's 48 hours are longer than drift's 25: they decide, plus the margin.
        Assert.Equal(now.AddHours(-49), cutoff);
        await using (var scope = _host.Host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>();
            var old = Enumerable.Range(0, LoopScorePurge.Chunk + 250).Select(i => Row(i % 2 == 0 ? "a" : "b", cutoff.AddMinutes(-5 - i % 600)));
            db.LoopScores.AddRange(old);
            db.LoopScores.AddRange(Row("a", cutoff.AddMinutes(5)), Row("b", now.AddHours(-30)), Row("a", now));
            await db.SaveChangesAsync();
        }

        var deleted = await _host.Host.Services.GetRequiredService<LoopScorePurge>().PurgeAsync(CancellationToken.None);

        Assert.Equal(LoopScorePurge.Chunk + 250, deleted);
        await using (var scope = _host.Host.Services.CreateAsyncScope())
        {
            var left = await scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>().LoopScores.AsNoTracking().Select(s => s.RecordedAt).ToListAsync();
            Assert.Equal(3, left.Count);
            Assert.All(left, at => Assert.True(at >= cutoff.AddMinutes(4), $"{at:O} should have been purged"));
        }
        Assert.Equal(0, await _host.Host.Services.GetRequiredService<LoopScorePurge>().PurgeAsync(CancellationToken.None));
    }
}
