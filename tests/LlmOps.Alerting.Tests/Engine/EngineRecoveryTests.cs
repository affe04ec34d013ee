using System.Text.Json;
using LlmOps.Alerting.Features.Engine;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Alerting.Infrastructure;
using LlmOps.Testing;

namespace LlmOps.Alerting.Tests.Engine;

public class EngineRecoveryTests
{
    [Fact]
    public async Task An_alert_whose_rule_was_removed_while_alerting_was_down_resolves_and_its_incident_closes()
    {
        var first = await EngineHarness.StartAsync(new Dictionary<string, string?> { ["Alerting:Route:GroupWait"] = "0s" });
        first.Metrics.Set("cost_spike", true, 42, ("project", "acme"));
        await first.StepAsync(TimeSpan.Zero);
        Assert.Single(first.PagerDutyRequests);
        await first.StopAsync();

        // The operator removes cost_spike from the mounted file.
        var path = first.Settings["Alerting:Engine:RulesFile"]!;
        var rules = RuleFileParser.Load(path);
        Assert.Contains(rules.Rules, r => r.Name == "cost_spike");
        await File.WriteAllTextAsync(path, """
            groups:
              - name: test
                rules:
                  - name: evaluator_stalled
                    metric: { name: evaluator_lag, window: 5m }
                    condition: { threshold: { op: ">", value: 600 } }
                    labels: { severity: critical }
                    annotations: { summary: "Evaluator {{ $value }} s behind" }
            """);

        await using var second = await EngineHarness.StartAsync(restartOf: first);
        await Eventually.TrueAsync(() => Task.FromResult(second.Resolved.Any(r => r.RuleName == "cost_spike" && r.ResolvedBy == "rule removed")),
            TimeSpan.FromSeconds(10), "AlertResolved for the orphan");
        await second.StepAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(2, second.PagerDutyRequests.Count);
        Assert.Equal("resolve", JsonDocument.Parse(second.PagerDutyRequests[1].Body).RootElement.GetProperty("event_action").GetString());
        await first.DisposeAsync();
    }

    private static TrackedAlert Alert(string fingerprint, AlertState state) => new(new AlertStatus
    {
        Fingerprint = fingerprint, RuleName = "r", Labels = new Dictionary<string, string>(), Annotations = new Dictionary<string, string>(),
        State = state, ActiveAt = DateTimeOffset.UnixEpoch, Value = 1,
    });

    [Fact]
    public void Changes_that_could_not_be_written_are_kept_under_the_next_steps_newer_ones()
    {
        var older = new ChangeSet();
        older.Upsert(Alert("a", AlertState.Firing), AlertEventKinds.Fired);
        older.Upsert(Alert("b", AlertState.Firing));
        older.Deletes.Add("c");
        older.History.Add(new AlertHistoryRecord { Fingerprint = "a", RuleName = "r", Kind = "fired" });
        older.Log.Add(new NotificationLogEntry("g", "pager", DateTimeOffset.UnixEpoch, new HashSet<string>(), false));

        var newer = new ChangeSet();
        newer.Upsert(Alert("a", AlertState.Resolved)); // no new event of its own: the older unpublished mark must survive
        newer.Upsert(Alert("c", AlertState.Pending));
        newer.History.Add(new AlertHistoryRecord { Fingerprint = "a", RuleName = "r", Kind = "resolved" });
        newer.TakeOver(older);

        Assert.Equal((AlertState.Resolved, AlertEventKinds.Fired), (newer.Upserts["a"].Alert.Status.State, newer.Upserts["a"].Unpublished));
        Assert.Equal(AlertState.Firing, newer.Upserts["b"].Alert.Status.State);
        Assert.DoesNotContain("c", newer.Deletes); // re-created since
        Assert.Equal(["fired", "resolved"], newer.History.Select(h => h.Kind));
        Assert.Single(newer.Log);
    }
}

public class CheckpointEncodingTests
{
    [Fact]
    public void A_checkpoint_is_stored_compressed_and_read_back_exactly_and_a_plain_one_still_reads()
    {
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { v = 2, cells = Enumerable.Range(0, 2_000).Select(i => new { p = $"project-{i % 50}", m = "gpt-4o-mini", c = i % 7 }).ToArray() });
        var stored = LlmOps.Alerting.Features.Metrics.MetricCheckpoints.Encode(json);
        Assert.StartsWith("gz:", stored);
        Assert.True(stored.Length < json.Length / 2, $"{stored.Length} of {json.Length}");
        Assert.Equal(System.Text.Encoding.UTF8.GetString(json), LlmOps.Alerting.Features.Metrics.MetricCheckpoints.Decode(stored));
        Assert.Equal("{\"v\":1}", LlmOps.Alerting.Features.Metrics.MetricCheckpoints.Decode("{\"v\":1}"));
    }
}
