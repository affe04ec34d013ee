using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Drift;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests.Scenarios;

/// <summary>
/// Drift end to end inside the evaluator: finished traces in over the bus (dated back into the baseline and current
/// windows), one detector pass run directly at "now", DriftDetected out on the bus and in /api/drift. The periodic pass
/// is kept out of the way (a day's interval) so each test decides when the detector runs.
/// </summary>
public class DriftScenarioTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly string[] Cities = ["Paris", "Berlin", "Madrid", "Rome", "Vienna", "Prague", "Lisbon", "Dublin", "Oslo", "Warsaw", "Athens", "Zurich"];
    private const string Refusal = "I'm sorry, but I can't help with that request.";

    private EvaluatorHost _host = null!;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public async ValueTask InitializeAsync() =>
        _host = await EvaluatorHost.StartAsync(new Dictionary<string, string?> { ["Evaluator:Drift:IntervalSeconds"] = "86400" });

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_provider_swapping_the_served_snapshot_raises_exactly_one_served_model_drift()
    {
        var random = new Random(1);
        await SendAsync("project-a",
            Baseline(300, i => Shipping(random, i) with { ResponseModel = "gpt-4o-2024-08-06" })
                .Concat(Current(150, i => Shipping(random, i) with { ResponseModel = "gpt-4o-2024-11-20" })).ToList());

        var first = await RunAsync();
        var second = await RunAsync();

        var drift = Assert.Single(first);
        Assert.Empty(second);
        Assert.Equal((DriftKinds.ServedModel, "new_response_model", "project-a", "answer", "gpt-4o"),
            (drift.Kind, drift.Statistic, drift.ProjectId, drift.PromptName, drift.Model));
        Assert.Equal(1.0, drift.Value);
        Assert.Contains("gpt-4o-2024-08-06 → gpt-4o-2024-11-20", drift.Detail);
        Assert.Equal(_now.AddHours(-1), drift.CurrentFrom);
        Assert.Equal(drift.CurrentFrom, drift.BaselineTo);
        Assert.Equal(_now.AddHours(-25), drift.BaselineFrom);

        var captured = await Eventually.UntilAsync(() => Task.FromResult(_host.Captured<DriftDetected>().Messages.FirstOrDefault()), Wait, "DriftDetected");
        Assert.Equal(drift.DriftId, captured.DriftId);
        await Task.Delay(300);
        Assert.Single(_host.Captured<DriftDetected>().Messages);

        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);
        using var b = _host.Host.CreateClient(EvaluatorHost.KeyOfB);
        var listed = (await a.GetFromJsonAsync<JsonElement>("/api/drift?kind=served_model")).GetProperty("data");
        Assert.Equal(drift.DriftId, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(0, (await b.GetFromJsonAsync<JsonElement>("/api/drift")).GetProperty("data").GetArrayLength());
        Assert.Equal(0, (await a.GetFromJsonAsync<JsonElement>("/api/drift?kind=query")).GetProperty("data").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await a.GetAsync("/api/drift?kind=weather")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await a.GetAsync("/api/drift?limit=0")).StatusCode);
    }

    [Fact]
    public async Task A_refusal_rate_jumping_from_2_to_30_percent_is_behaviour_drift()
    {
        var random = new Random(2);
        await SendAsync("project-a",
            Baseline(500, i => Shipping(random, i) with { Answer = i % 50 == 0 ? Refusal : Answer(random) })
                .Concat(Current(200, i => Shipping(random, i) with { Answer = i % 10 < 3 ? Refusal : Answer(random) })).ToList());

        var found = await RunAsync();

        var refusals = Assert.Single(found, d => d.Statistic == "refusal_rate");
        Assert.Equal(DriftKinds.Behaviour, refusals.Kind);
        Assert.Equal((0.3, 0.02), (refusals.Value, refusals.Threshold));
        Assert.DoesNotContain(found, d => d.Kind != DriftKinds.Behaviour);
    }

    [Fact]
    public async Task Unchanged_traffic_with_its_usual_noise_raises_nothing()
    {
        var random = new Random(3);
        TraceCompleted Usual(int i) => Shipping(random, i) with
        {
            Answer = random.Next(40) == 0 ? Refusal : Answer(random),
            ResponseModel = random.Next(3) == 0 ? "gpt-4o-2024-08-06" : "gpt-4o-2024-11-20",
        };
        await SendAsync("project-a", Baseline(600, Usual).Concat(Current(200, Usual)).ToList(), batched: false);

        Assert.Empty(await RunAsync());
        await Task.Delay(300);
        Assert.Empty(_host.Captured<DriftDetected>().Messages);
    }

    [Fact]
    public async Task Questions_moving_to_a_new_topic_are_query_drift_naming_its_terms()
    {
        var random = new Random(4);
        string[] passport = ["How do I renew my passport?", "Can I renew a passport online?", "What documents does a passport renewal need?",
            "How long does passport renewal take?", "Where do I send my passport renewal form?", "Is an expired passport renewal more expensive?"];
        await SendAsync("project-a",
            Baseline(400, i => Shipping(random, i))
                .Concat(Current(150, i => Shipping(random, i) with { Question = passport[random.Next(passport.Length)] + $" ({Cities[random.Next(Cities.Length)]})" }))
                .ToList());

        var found = await RunAsync();

        var query = Assert.Single(found, d => d.Kind == DriftKinds.Query);
        Assert.Equal("query_psi", query.Statistic);
        Assert.True(query.Value >= 0.25, $"PSI {query.Value}");
        Assert.Equal(0.25, query.Threshold);
        Assert.Contains("passport", query.Detail);
    }

    [Fact]
    public async Task A_score_failing_far_more_often_than_in_the_baseline_is_behaviour_drift()
    {
        await using (var scope = _host.Host.Services.CreateAsyncScope())
        {
            var scores = scope.ServiceProvider.GetRequiredService<LoopScores>();
            await scores.RecordAsync(Enumerable.Range(0, 300).Select(i => Score(i, _now.AddHours(-2 - i * 20.0 / 300), failed: i % 20 == 0))
                .Concat(Enumerable.Range(300, 150).Select(i => Score(i, _now.AddMinutes(-1 - (i - 300) * 50.0 / 150), failed: i % 5 < 2))).ToList(),
                CancellationToken.None);
        }

        var drift = Assert.Single(await RunAsync());

        Assert.Equal((DriftKinds.Behaviour, "failure_rate:json_valid", 0.4, 0.05), (drift.Kind, drift.Statistic, drift.Value, drift.Threshold));
    }

    private static ScoreRecorded Score(int i, DateTimeOffset at, bool failed) => new()
    {
        ScoreId = Guid.NewGuid(),
        ProjectId = "project-a",
        TraceId = $"trace-{i}",
        Name = ScoreNames.JsonValid,
        DataType = ScoreDataTypes.Boolean,
        Value = failed ? 0 : 1,
        Source = ScoreSources.Eval,
        Status = ScoreStatuses.Ok,
        PromptName = "answer",
        PromptVersion = 1,
        Model = "gpt-4o",
        RecordedAt = at,
    };

    private async Task<List<DriftDetected>> RunAsync()
    {
        await using var scope = _host.Host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DriftDetector>().RunAsync(_now, CancellationToken.None);
    }

    /// <summary>Publishes over the bus (as trace-collector does, 100 per message, unless told otherwise) and waits until drift detection has kept every trace.</summary>
    private async Task SendAsync(string project, IReadOnlyList<TraceCompleted> traces, bool batched = true)
    {
        await _host.PublishAsync(traces.Select(t => t with { ProjectId = project }), batched);
        await Eventually.TrueAsync(async () =>
        {
            await using var scope = _host.Host.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>();
            return await db.DriftObservations.CountAsync(o => o.ProjectId == project) >= traces.Count;
        }, Wait, $"{traces.Count} drift observations");
    }

    /// <summary>Spread over the baseline window (from 25 h to 1 h ago).</summary>
    private IEnumerable<TraceCompleted> Baseline(int count, Func<int, TraceCompleted> make) =>
        Enumerable.Range(0, count).Select(i => At(make(i), _now.AddHours(-1).AddMinutes(-1 - i * (22.0 * 60 / count))));

    /// <summary>Spread over the current window (the last hour).</summary>
    private IEnumerable<TraceCompleted> Current(int count, Func<int, TraceCompleted> make) =>
        Enumerable.Range(0, count).Select(i => At(make(i), _now.AddMinutes(-1 - i * (50.0 / count))));

    private static TraceCompleted At(TraceCompleted trace, DateTimeOffset completed) => trace with { StartedAt = completed.AddSeconds(-2), CompletedAt = completed };

    private static TraceCompleted Shipping(Random random, int i)
    {
        var city = Cities[random.Next(Cities.Length)];
        var question = random.Next(4) switch
        {
            0 => $"Where is my order {i}?",
            1 => $"How long does shipping to {city} take?",
            2 => $"Can I change the delivery address of order {i} to {city}?",
            _ => $"What does express shipping to {city} cost?",
        };
        return Traces.Trace("project-a", question, Answer(random), model: "gpt-4o");
    }

    private static readonly string[] Sentences =
    [
        "Your order left our warehouse yesterday.", "Standard shipping takes three to five business days.",
        "Express shipping arrives the next business day.", "You can change the address until the parcel is handed to the carrier.",
        "The tracking link is in your confirmation e-mail.", "Shipping within the EU is free above 50 euros.",
        "Our support team is available from 9 to 17.", "Customs fees may apply outside the EU.",
    ];

    private static string Answer(Random random) =>
        string.Join(' ', Enumerable.Range(0, 1 + random.Next(4)).Select(_ => Sentences[random.Next(Sentences.Length)]));
}
