using System.Collections.Concurrent;
using LlmOps.Alerting.Features.Engine;
using LlmOps.Alerting.Features.Metrics;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Contracts.Alerting;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Tests.Engine;

/// <summary>Observations a test sets per rule and series, instead of the metric windows.</summary>
public sealed class ScriptedMetrics : IMetricSource
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, SeriesObservation>> _series = new();

    public void Set(string rule, bool holds, double value, params (string Name, string Value)[] labels)
    {
        var map = labels.ToDictionary(l => l.Name, l => l.Value, StringComparer.Ordinal);
        _series.GetOrAdd(rule, _ => new())[AlertLabels.Format(map)] = new SeriesObservation(map, new ConditionResult(holds, value, 1));
    }

    public void Clear(string rule) => _series.TryRemove(rule, out _);

    public IReadOnlyList<SeriesObservation> Observe(AlertRule rule, DateTimeOffset now) =>
        _series.TryGetValue(rule.Name, out var series) ? series.Values.ToList() : [];
}

/// <summary>
/// The alerting service on a real host (SQLite or PostgreSQL, in-memory bus, receivers pointed at a <see cref="PageReceiver"/>)
/// with a hand-moved clock and scripted metrics: the test steps the engine itself.
/// </summary>
public sealed class EngineHarness : IAsyncDisposable
{
    public const string RoutingKeyEnv = "LLMOPS_TEST_ALERTING_PD_KEY";
    public const string RoutingKey = "R0UT1NGKEYTEST000000000000000000";
    public const string ProjectKeyA = "project-key-a-0123456789abcdef";
    public const string ProjectKeyB = "project-key-b-0123456789abcdef";

    public const string Rules = """
        groups:
          - name: test
            interval: 1m
            rules:
              - name: cost_spike
                metric: { name: cost, window: 1d, by: [project] }
                condition: { threshold: { op: ">", value: 10 } }
                labels: { severity: warning, team: platform }
                annotations: { summary: "Cost {{ $value }} in {{ $labels.project }}" }
              - name: hallucination_rate
                metric: { name: score_rate, window: 1h, score: hallucination, label: hallucinated, by: [project] }
                condition: { wilson: { threshold: 0.05, min_samples: 100 } }
                for: 5m
                keep_firing_for: 10m
                labels: { severity: critical, team: ml }
                annotations: { summary: "Hallucination {{ $value | percent }} in {{ $labels.project }}" }
              - name: evaluator_stalled
                metric: { name: evaluator_lag, window: 5m }
                condition: { threshold: { op: ">", value: 600 } }
                labels: { severity: critical }
                annotations: { summary: "Evaluator {{ $value }} s behind" }
        """;

    private EngineHarness(TestHost host, ManualClock clock, ScriptedMetrics metrics, PageReceiver pages, Dictionary<string, string?> settings)
    {
        Host = host;
        Clock = clock;
        Metrics = metrics;
        Pages = pages;
        Settings = settings;
    }

    public TestHost Host { get; }
    public ManualClock Clock { get; }
    public ScriptedMetrics Metrics { get; }
    public PageReceiver Pages { get; }
    public Dictionary<string, string?> Settings { get; }
    public AlertEngine Engine => Host.Services.GetRequiredService<AlertEngine>();
    public MetricStore Store => Host.Services.GetRequiredService<MetricStore>();
    public IReadOnlyList<AlertFired> Fired => Host.Services.GetRequiredService<MessageCapture<AlertFired>>().Messages.ToList();
    public IReadOnlyList<AlertResolved> Resolved => Host.Services.GetRequiredService<MessageCapture<AlertResolved>>().Messages.ToList();
    public IReadOnlyList<CloudEvent> TopicEvents => ((InMemoryTopicPublisher)Host.Services.GetRequiredService<ITopicPublisher>()).Recent(Topics.Alerts);
    public IReadOnlyList<ReceivedRequest> PagerDutyRequests => Pages.RequestsTo(PageReceiver.PagerDutyPath);

    /// <summary>
    /// A new harness, or (with <paramref name="restartOf"/>) the same service restarted on the same database, clock,
    /// metrics and receiver. <paramref name="settings"/> adds to or overrides the defaults (e.g. routing).
    /// </summary>
    public static async Task<EngineHarness> StartAsync(IDictionary<string, string?>? settings = null, string rules = Rules, EngineHarness? restartOf = null,
        bool realMetrics = false)
    {
        Environment.SetEnvironmentVariable(RoutingKeyEnv, RoutingKey);
        var pages = restartOf?.Pages ?? await PageReceiver.StartAsync();
        var clock = restartOf?.Clock ?? new ManualClock { Now = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero) };
        var metrics = restartOf?.Metrics ?? new ScriptedMetrics();
        Dictionary<string, string?> all;
        if (restartOf is not null)
            all = restartOf.Settings;
        else
        {
            var rulesPath = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N") + ".yaml");
            Directory.CreateDirectory(Path.GetDirectoryName(rulesPath)!);
            await File.WriteAllTextAsync(rulesPath, rules);
            all = Environment.GetEnvironmentVariable("LLMOPS_ALERTING_TESTS_ON_POSTGRES") == "1"
                ? TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync("alerting"))
                : new Dictionary<string, string?> { ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")) };
            all["Alerting:Engine:AutoStart"] = "false";
            all["Alerting:Engine:RulesFile"] = rulesPath;
            all["Alerting:Engine:ExternalUrl"] = "https://console.example";
            all["Alerting:Engine:FailedDeliveryBackoffSeconds"] = "60";
            all["Alerting:Receivers:pager:PagerDuty:RoutingKeyEnv"] = RoutingKeyEnv;
            all["Alerting:Receivers:pager:PagerDuty:BaseUrl"] = pages.BaseAddress.ToString().TrimEnd('/');
            all["Alerting:Receivers:chat:Webhook:Url"] = pages.Url("/hooks/chat");
            all["Alerting:Receivers:chat:Webhook:SecretEnv"] = RoutingKeyEnv;
            all["Alerting:Delivery:MaxAttempts"] = "3";
            all["Alerting:Delivery:BaseDelaySeconds"] = "0.01";
            all["Alerting:Delivery:MaxDelaySeconds"] = "0.05";
            all["Alerting:Delivery:MaxRetryAfterSeconds"] = "2";
            all["Alerting:Route:Receiver"] = "pager";
            all["Alerting:Route:GroupWait"] = "30s";
            all["Alerting:Route:GroupInterval"] = "5m";
            all["Alerting:Route:RepeatInterval"] = "4h";
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
                all[key] = value;
        }

        var host = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(AlertingExtensions.ServiceName);
                builder.AddAlerting();
                if (!realMetrics)
                    builder.Services.AddSingleton<IMetricSource>(metrics);
                builder.Services.AddSingleton<TimeProvider>(clock);
                builder.Services.AddSingleton<IApiKeyResolver>(new TestProjectKeys((ProjectKeyA, "project-a"), (ProjectKeyB, "project-b")));
                Capture<AlertFired>(builder);
                Capture<AlertResolved>(builder);
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapAlertingEndpoints();
            },
            all);
        var harness = new EngineHarness(host, clock, metrics, pages, all) { OwnsPages = restartOf is null };
        var options = host.Services.GetRequiredService<IOptions<EngineOptions>>().Value;
        await harness.Engine.StartAsync(AlertEngineService.LoadFileRules(options), clock.Now, CancellationToken.None);
        return harness;
    }

    /// <summary>Moves the clock, ticks, waits for the deliveries that tick started, and ticks again so their outcome is recorded.</summary>
    public async Task StepAsync(TimeSpan advance)
    {
        Clock.Advance(advance);
        await Engine.TickAsync(Clock.Now, CancellationToken.None);
        await Engine.DrainDeliveriesAsync(TimeSpan.FromSeconds(20));
        await Engine.TickAsync(Clock.Now, CancellationToken.None);
    }

    public HttpClient Client(string? key = TestHost.AdminKey) => Host.CreateClient(key);

    /// <summary>Stops the host but keeps the receiver (for a restart on the same database).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await Engine.DrainDeliveriesAsync(TimeSpan.FromSeconds(20));
        await Host.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (OwnsPages)
            await Pages.DisposeAsync();
    }

    private bool _stopped;
    private bool OwnsPages { get; init; } = true;

    private static void Capture<T>(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) where T : class
    {
        builder.Services.AddSingleton<MessageCapture<T>>();
        builder.AddServiceConsumer<CaptureConsumer<T>>("test");
    }
}
