using LlmOps.Testing;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// The six services as processes, every one connected to the broker and to PostgreSQL through a <see cref="TcpGate"/> of
/// its own, so a scenario can take the broker or a database away from some services while the shared servers stay up.
/// Started once for the whole <see cref="FaultsCollection"/>; each scenario uses a project of its own and leaves every
/// gate open and every service ready.
/// </summary>
public sealed class FaultsFixture : IAsyncLifetime
{
    /// <summary>The project whose costs page (see <see cref="Rules"/>): no other scenario sends traffic for it.</summary>
    public const string PagedProject = "pager-drill";

    /// <summary>The project whose spend fires <c>restart_spend</c>, which clears a minute after the spending stops.</summary>
    public const string RestartProject = "restart-drill";

    /// <summary>The projects of the refused page (<c>refused_spend</c>) and of the one after it (<c>after_refused_spend</c>).</summary>
    public const string RefusedProject = "refused-drill";
    public const string AfterRefusedProject = "after-refused-drill";

    /// <summary>
    /// Replaces the shipped rules, so that nothing else pages while the scenarios fill error queues and spend money:
    /// each rule is any cost of its own project (no other scenario sends traffic for it), in the last hour, or for
    /// <c>restart_spend</c> in the current minute (the window's cells are minutes), held 20 s over the gaps of a restart
    /// and of a minute's turn, so that it clears soon after the spending stops.
    /// </summary>
    private const string Rules = $$$"""
        groups:
          - name: drill
            interval: 1s
            rules:
              - name: drill_spend
                metric: { name: cost, window: 1h, filters: { project: {{{PagedProject}}} }, by: [project] }
                condition: { threshold: { op: ">", value: 0 } }
                labels: { severity: critical, team: platform }
                annotations: { summary: "{{ $labels.project }} spent {{ $value }}" }
              - name: restart_spend
                metric: { name: cost, window: 1m, filters: { project: {{{RestartProject}}} }, by: [project] }
                condition: { threshold: { op: ">", value: 0 } }
                keep_firing_for: 20s
                labels: { severity: critical, team: platform }
                annotations: { summary: "{{ $labels.project }} is spending" }
              - name: refused_spend
                metric: { name: cost, window: 1h, filters: { project: {{{RefusedProject}}} }, by: [project] }
                condition: { threshold: { op: ">", value: 0 } }
                labels: { severity: critical, team: platform }
                annotations: { summary: "{{ $labels.project }} spent {{ $value }}" }
              - name: after_refused_spend
                metric: { name: cost, window: 1h, filters: { project: {{{AfterRefusedProject}}} }, by: [project] }
                condition: { threshold: { op: ">", value: 0 } }
                labels: { severity: critical, team: platform }
                annotations: { summary: "{{ $labels.project }} spent {{ $value }}" }
        """;

    private string _rulesPath = "";

    public ServiceProcesses Platform { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _rulesPath = Path.Combine(Path.GetTempPath(), "llmops-system", "faults-rules-" + Guid.NewGuid().ToString("N") + ".yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(_rulesPath)!);
        await File.WriteAllTextAsync(_rulesPath, Rules);
        var fast = new Dictionary<string, string>
        {
            // An HTTP edge gives up on an absent broker after this long (the default is 10 s): the outage answers come sooner.
            ["Messaging__PublishTimeout"] = "00:00:02",
        };
        Platform = await ServiceProcesses.StartAsync(new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [ServiceProcesses.FeedbackIngest] = fast,
            [ServiceProcesses.Alerting] = new Dictionary<string, string>
            {
                ["Alerting__Engine__RulesFile"] = _rulesPath,
                ["Alerting__Engine__TickMs"] = "200",
                ["Alerting__Route__GroupWait"] = "0s",
                // A resolve goes out group_interval after the trigger: seconds, not the default 5 minutes.
                ["Alerting__Route__GroupInterval"] = "2s",
                // A group whose page failed for good is tried again this soon (default 60 s), so a scenario sees a retry
                // the receiver's answer should have ruled out.
                ["Alerting__Engine__FailedDeliveryBackoffSeconds"] = "3",
                ["Alerting__Metrics__BatchWaitMs"] = "20",
            },
        }, throughGates: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (Platform is not null)
            await Platform.DisposeAsync();
        File.Delete(_rulesPath);
    }
}

[CollectionDefinition(Name)]
public sealed class FaultsCollection : ICollectionFixture<FaultsFixture>
{
    public const string Name = "service-processes-faults";
}
