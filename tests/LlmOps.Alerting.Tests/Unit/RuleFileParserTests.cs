using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Tests.Unit;

public class RuleFileParserTests
{
    private const string Valid = """
        groups:
          - name: g
            rules:
              - name: r
                metric: { name: error_rate, window: 5m, by: [project] }
                condition:
                  threshold: { op: ">", value: 0.1 }
                labels: { severity: warning }
                annotations: { summary: "errors {{ $value | percent }} in {{ $labels.project }}" }
        """;

    private static RuleFileException Fails(string yaml) => Assert.Throws<RuleFileException>(() => RuleFileParser.Parse(yaml, "rules.yaml"));

    [Fact]
    public void The_shipped_defaults_load_with_the_five_rules()
    {
        var file = RuleFileParser.Load(Path.Combine(AppContext.BaseDirectory, "Rules", "default-rules.yaml"));

        var rules = file.Rules.ToDictionary(r => r.Name);
        Assert.Equal(["cost_spike", "evaluator_stalled", "hallucination_rate", "latency_p95", "unpriced_model"], rules.Keys.Order());
        Assert.Equal(new BaselineRatioCondition(2, 7, 3, 10), rules["cost_spike"].Condition);
        Assert.Equal("warning", rules["cost_spike"].Severity);
        Assert.Equal(new WilsonCondition(0.05, 100, 0.95), rules["hallucination_rate"].Condition);
        Assert.Equal("critical", rules["hallucination_rate"].Severity);
        Assert.Equal("hallucinated", rules["hallucination_rate"].Metric.ScoreLabel);
        Assert.Equal(new ThresholdCondition(ComparisonOperator.GreaterThan, 3000), rules["latency_p95"].Condition);
        Assert.Equal(95, rules["latency_p95"].Metric.Percentile);
        Assert.Equal("warning", rules["latency_p95"].Severity);
        Assert.Equal(TimeSpan.FromDays(1), rules["cost_spike"].Metric.Window);
        Assert.Equal(TimeSpan.FromMinutes(15), rules["hallucination_rate"].KeepFiringFor);
        // Every shipped rule links a runbook that ships too.
        Assert.All(rules.Values, r => Assert.True(File.Exists(Path.Combine(RepositoryRoot(), r.Annotations["runbook_url"])), r.Annotations["runbook_url"]));
    }

    [Fact]
    public void A_valid_rule_parses_into_its_records()
    {
        var rule = Assert.Single(RuleFileParser.Parse(Valid).Rules);

        Assert.Equal(MetricKind.ErrorRate, rule.Metric.Kind);
        Assert.Equal(TimeSpan.FromMinutes(5), rule.Metric.Window);
        Assert.Equal(["project"], rule.Metric.By);
        Assert.Equal(TimeSpan.Zero, rule.For);
        Assert.Equal(RuleFileParser.DefaultInterval, RuleFileParser.Parse(Valid).Groups[0].Interval);
    }

    [Fact]
    public void An_unknown_key_fails_with_its_line_and_a_suggestion()
    {
        var error = Fails(Valid.Replace("labels: { severity: warning }", "labels: { severity: warning }\n        keep_firing: 5m"));

        var message = Assert.Single(error.Errors);
        Assert.StartsWith("rules.yaml:9:9:", message);
        Assert.Contains("unknown key 'keep_firing'", message);
        Assert.Contains("did you mean 'keep_firing_for'", message);
    }

    [Theory]
    [InlineData("window: 5m", "window: 5x", "'5x' is not a duration")]
    [InlineData("window: 5m", "window: 1.5h", "'1.5h' is not a duration")]
    [InlineData("window: 5m", "window: 0s", "must be longer than 0s")]
    [InlineData("name: error_rate", "name: errors", "unknown metric 'errors'")]
    [InlineData("value: 0.1", "value: 5", "share between 0 and 1")]
    [InlineData("value: 0.1", "value: lots", "'lots' is not a number")]
    [InlineData("op: \">\"", "op: \"=>\"", "'=>' is not a comparison")]
    [InlineData("severity: warning", "severity: page", "'page' is not a severity")]
    [InlineData("severity: warning", "team: x", "'severity' is required")]
    [InlineData("by: [project]", "by: [customer]", "cannot split by 'customer'")]
    [InlineData("{{ $value | percent }}", "{{ .Value }}", "is not a template expression")]
    [InlineData("threshold: { op: \">\", value: 0.1 }", "wilson: { threshold: 0.05, min_samples: 0 }", "0 is out of range (must be >= 1)")]
    [InlineData("threshold: { op: \">\", value: 0.1 }", "wilson: { threshold: 5, min_samples: 100 }", "5 is out of range (must be > 0 and < 1)")]
    [InlineData("threshold: { op: \">\", value: 0.1 }", "baseline_ratio: { factor: 2, floor: 10 }", "the metric's window must be 1d")]
    [InlineData("threshold: { op: \">\", value: 0.1 }", "burn_rate: { slo: 0.999, windows: [{ long: 5m, short: 1h, factor: 14.4 }] }", "short window must be shorter")]
    [InlineData("threshold: { op: \">\", value: 0.1 }", "{}", "exactly one of")]
    [InlineData("name: r", "name: 9r", "is not a rule name")]
    public void A_typo_fails_loudly_with_the_line(string original, string typo, string expected)
    {
        Assert.Contains(original, Valid);
        var error = Fails(Valid.Replace(original, typo));

        Assert.Contains(error.Errors, e => e.Contains(expected, StringComparison.Ordinal) && e.StartsWith("rules.yaml:", StringComparison.Ordinal));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var error = Fails(Valid.Replace("window: 5m", "window: soon").Replace("severity: warning", "severity: loud"));

        Assert.Equal(2, error.Errors.Count);
    }

    [Fact]
    public void Wilson_on_a_metric_that_is_not_a_rate_is_rejected()
    {
        var error = Fails(Valid.Replace("name: error_rate", "name: cost").Replace("threshold: { op: \">\", value: 0.1 }", "wilson: { threshold: 0.05, min_samples: 100 }"));

        Assert.Contains(error.Errors, e => e.Contains("wilson judges a failure rate"));
    }

    [Fact]
    public void Broken_yaml_reports_the_parser_position()
    {
        var error = Fails("groups:\n  - name: g\n    rules: [\n");

        Assert.Matches(@"^rules\.yaml:\d+:\d+: not valid YAML", Assert.Single(error.Errors));
    }

    [Fact]
    public void Duplicate_rule_names_are_rejected()
    {
        var twice = Valid + "\n" + string.Join("\n", Valid.Split('\n').Skip(3));

        Assert.Contains(Fails(twice).Errors, e => e.Contains("a rule named 'r' already exists"));
    }

    [Fact]
    public void A_burn_rate_rule_reads_its_window_pairs()
    {
        var rule = Assert.Single(RuleFileParser.Parse(Valid.Replace("threshold: { op: \">\", value: 0.1 }",
            "burn_rate: { slo: 0.999, windows: [{ long: 1h, short: 5m, factor: 14.4 }, { long: 6h, short: 30m, factor: 6 }] }")).Rules);

        var condition = Assert.IsType<BurnRateCondition>(rule.Condition);
        Assert.Equal(0.999, condition.SloTarget);
        Assert.Equal(new BurnWindow(TimeSpan.FromHours(6), TimeSpan.FromMinutes(30), 6), condition.Windows[1]);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("3d", 259200)]
    [InlineData("2w", 1209600)]
    [InlineData("0", 0)]
    public void Durations_parse_in_the_Prometheus_form(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Duration.Parse(text));
        if (seconds > 0)
            Assert.Equal(text, Duration.Format(TimeSpan.FromSeconds(seconds)));
    }

    [Theory]
    [InlineData("5")]
    [InlineData("m5")]
    [InlineData("5m1h")]
    [InlineData("-5m")]
    [InlineData("5 m")]
    public void Malformed_durations_are_rejected(string text) => Assert.False(Duration.TryParse(text, out _));

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmOpsPlatform.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found.");
    }
}
