using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Tests.Unit;

public class SilenceAndInhibitionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 1, 10, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, string> Labels(string alertname, string severity, string project) =>
        new() { ["alertname"] = alertname, ["severity"] = severity, ["project"] = project };

    [Theory]
    [InlineData("project=\"acme\"", true)]
    [InlineData("project!=acme", false)]
    [InlineData("project=~\"ac.*\"", true)]
    [InlineData("project=~\"c\"", false)] // anchored: "c" does not match "acme"
    [InlineData("project!~\"beta|gamma\"", true)]
    [InlineData("team=\"\"", true)] // an absent label matches as ""
    [InlineData("team!=\"\"", false)]
    public void Matchers_follow_Alertmanager_semantics(string text, bool matches) =>
        Assert.Equal(matches, Matcher.Parse(text).Matches(Labels("cost_spike", "warning", "acme")));

    [Fact]
    public void Malformed_matchers_are_rejected()
    {
        Assert.Throws<FormatException>(() => Matcher.Parse("project"));
        Assert.Throws<FormatException>(() => Matcher.Parse("project=~\"(\""));
    }

    [Fact]
    public void A_silence_mutes_matching_alerts_only_between_its_start_and_end()
    {
        var silence = new Silence("s1", [Matcher.Parse("alertname=cost_spike"), Matcher.Parse("project=~acme|beta")],
            T0, T0.AddHours(2), "ops@example.com", "migration");
        var alert = Labels("cost_spike", "warning", "acme");

        Assert.False(silence.Mutes(alert, T0.AddSeconds(-1)));
        Assert.True(silence.Mutes(alert, T0));
        Assert.True(silence.Mutes(alert, T0.AddHours(1)));
        Assert.False(silence.Mutes(alert, T0.AddHours(2)));
        Assert.False(silence.Mutes(Labels("cost_spike", "warning", "gamma"), T0.AddHours(1)));
        Assert.False(new Silence("s2", [], T0, T0.AddHours(1), "x", "empty").Mutes(alert, T0));
    }

    [Fact]
    public void A_critical_alert_inhibits_warnings_of_the_same_project_only()
    {
        var rule = new InhibitRule([Matcher.Parse("severity=critical")], [Matcher.Parse("severity=warning")], ["project"]);
        var critical = Labels("hallucination_rate", "critical", "acme");

        Assert.True(rule.Inhibits(Labels("latency_p95", "warning", "acme"), [critical]));
        Assert.False(rule.Inhibits(Labels("latency_p95", "warning", "beta"), [critical]));
        Assert.False(rule.Inhibits(Labels("evaluator_stalled", "critical", "acme"), [critical]));
        Assert.False(rule.Inhibits(Labels("latency_p95", "warning", "acme"), []));
    }

    [Fact]
    public void An_alert_matching_both_sides_does_not_inhibit_itself_or_its_peers()
    {
        var rule = new InhibitRule([Matcher.Parse("alertname=latency_p95")], [Matcher.Parse("alertname=latency_p95")], []);
        var a = Labels("latency_p95", "warning", "acme");
        var b = Labels("latency_p95", "warning", "beta");

        Assert.False(rule.Inhibits(a, [a, b]));
    }

    [Fact]
    public void A_stalled_evaluator_inhibits_quality_alerts_everywhere()
    {
        var rule = new InhibitRule([Matcher.Parse("alertname=evaluator_stalled")], [Matcher.Parse("alertname=hallucination_rate")], []);
        var stalled = new Dictionary<string, string> { ["alertname"] = "evaluator_stalled", ["severity"] = "critical" };

        Assert.True(InhibitRule.AnyInhibits([rule], Labels("hallucination_rate", "critical", "acme"), [stalled]));
        Assert.False(InhibitRule.AnyInhibits([rule], Labels("cost_spike", "warning", "acme"), [stalled]));
    }
}
