using LlmOps.Testing;

namespace LlmOps.SystemTests.Scenarios;

/// <summary>
/// The six services as processes, tuned the way an operator would tune a small staging install for fast feedback —
/// only through environment variables: traces complete after three seconds of quiet, the loop judges groups of
/// <see cref="LoopMinSamples"/>, alerting evaluates every 200 ms and pages without a group wait, and its rules file is
/// the shipped rules (the cost group evaluated every second instead of every five minutes) plus <see cref="Rules"/>: a
/// format-failure rule and a short-window cost-burst rule.
/// </summary>
public sealed class ScenarioFixture : IAsyncLifetime
{
    /// <summary>The loop's smallest group; the scenarios send a little more than this per prompt version.</summary>
    public const int LoopMinSamples = 8;

    /// <summary>
    /// <c>format_failures</c>: the share of failed <c>json_valid</c> checks in a project, paged when its Wilson lower bound
    /// is credibly above 20 % — what on-call wants to hear when a prompt release starts breaking the JSON a client parses
    /// (the loop may roll it back on its own; the page says it happened, and the resolve says the answers are good again).
    /// <c>cost_burst</c>: more than $0.10 in a project within five minutes. The shipped <c>cost_spike</c> compares today with
    /// the last seven days, which a freshly installed platform does not have; a burst rule over a short window needs no
    /// history and is what catches a runaway loop within minutes rather than at the end of the day.
    /// </summary>
    public const string Rules = """
        groups:
          - name: scenario-quality
            interval: 1s
            rules:
              - name: format_failures
                metric: { name: score_rate, window: 1h, score: json_valid, below: 0.5, by: [project] }
                condition: { wilson: { threshold: 0.2, min_samples: 8, confidence: 0.95 } }
                labels: { severity: critical, team: ml }
                annotations:
                  summary: "JSON answers in {{ $labels.project }} fail {{ $value | percent }} of the time"
                  runbook_url: docs/runbooks/format-failures.md
          - name: scenario-cost
            interval: 1s
            rules:
              - name: cost_burst
                metric: { name: cost, window: 5m, by: [project] }
                condition: { threshold: { op: ">", value: 0.1 } }
                labels: { severity: warning, team: platform }
                annotations:
                  summary: "Cost burst in {{ $labels.project }}: ${{ $value | humanize }} in five minutes"
                  runbook_url: docs/runbooks/cost-spike.md
        """;

    /// <summary>The shipped rules file as the alerting build carries it, with <see cref="Rules"/>' groups appended.</summary>
    private static string RulesText()
    {
        var shipped = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Rules", "default-rules.yaml"));
        if (!shipped.Contains("interval: 5m", StringComparison.Ordinal))
            throw new InvalidOperationException("The shipped rules' cost group no longer says 'interval: 5m': update the scenario fixture.");
        var scenario = Rules[(Rules.IndexOf("groups:", StringComparison.Ordinal) + "groups:".Length)..];
        return shipped.Replace("interval: 5m", "interval: 1s", StringComparison.Ordinal).TrimEnd() + "\n" + scenario;
    }

    private readonly string _rulesPath = Path.Combine(Path.GetTempPath(), "llmops-system", "rules-" + Guid.NewGuid().ToString("N") + ".yaml");

    public ServiceProcesses Platform { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_rulesPath)!);
        await File.WriteAllTextAsync(_rulesPath, RulesText());
        Platform = await ServiceProcesses.StartAsync(new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [ServiceProcesses.InferenceProxy] = new Dictionary<string, string>
            {
                // On a shared 2-core CI machine (load average above 50 while other suites run) a LeaseBudget round trip
                // has taken over 2 s: with the defaults the gateway then admits a new project unchecked for 10 s, or
                // refuses a request whose renewal took over LeaseWaitMs though the budget had money left (docs/budgets.md,
                // failure modes). An operator whose broker answers that slowly raises both.
                ["InferenceProxy__Budgets__LeaseTimeoutMs"] = "10000",
                ["InferenceProxy__Budgets__LeaseWaitMs"] = "10000",
            },
            [ServiceProcesses.TraceCollector] = new Dictionary<string, string>
            {
                // Shorter than the default 5 s, long enough that an app's spans and the gateway's generation of one request
                // (they travel different ways: OTLP and the bus) arrive within it on a loaded machine.
                ["TraceCollector__QuietPeriodSeconds"] = "3",
                ["TraceCollector__CompletionScanIntervalMs"] = "200",
                ["TraceCollector__BusBatchWaitMs"] = "20",
            },
            [ServiceProcesses.Evaluator] = new Dictionary<string, string>
            {
                ["Evaluator__BatchWaitMs"] = "20",
                ["Evaluator__Loop__MinSamples"] = LoopMinSamples.ToString(),
            },
            [ServiceProcesses.CostAccountant] = new Dictionary<string, string>
            {
                ["CostAccountant__BatchWaitMs"] = "20",
                // A quarter of the budget per slice: one gateway replica, so slices need not be thin to share fairly.
                ["CostAccountant__BudgetLeaseFraction"] = "0.25",
            },
            [ServiceProcesses.Alerting] = new Dictionary<string, string>
            {
                ["Alerting__Engine__RulesFile"] = _rulesPath,
                ["Alerting__Engine__TickMs"] = "200",
                ["Alerting__Metrics__BatchWaitMs"] = "20",
                ["Alerting__Route__GroupWait"] = "0s",
                ["Alerting__Route__GroupInterval"] = "1s",
            },
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Platform is not null)
            await Platform.DisposeAsync();
        File.Delete(_rulesPath);
    }
}

/// <summary>
/// Runs on its own, after the collections that run in parallel: its waits (trace quiet periods, lease round trips, alert
/// evaluation) are tuned short, and six more processes beside another six on two cores would make them a lottery.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScenarioCollection : ICollectionFixture<ScenarioFixture>
{
    public const string Name = "scenario-processes";
}
