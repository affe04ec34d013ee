using LlmOps.Alerting.Features.Rules;

namespace LlmOps.Alerting.Tests.Unit;

public class GroupSchedulerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 8, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly GroupingPolicy Policy = new()
    {
        Receiver = "pagerduty",
        GroupBy = ["alertname", "project"],
        GroupWait = TimeSpan.FromSeconds(30),
        GroupInterval = TimeSpan.FromMinutes(5),
        RepeatInterval = TimeSpan.FromHours(4),
    };

    private static AlertStatus Firing(string model, DateTimeOffset at, string project = "acme")
    {
        var labels = new Dictionary<string, string> { ["alertname"] = "latency_p95", ["project"] = project, ["model"] = model, ["severity"] = "warning" };
        return new AlertStatus
        {
            Fingerprint = AlertLabels.Fingerprint(labels), RuleName = "latency_p95", Labels = labels,
            Annotations = new Dictionary<string, string>(), State = AlertState.Firing, ActiveAt = at, FiredAt = at, Value = 4000,
        };
    }

    private static AlertStatus Resolved(AlertStatus alert, DateTimeOffset at) => alert with { State = AlertState.Resolved, ResolvedAt = at };

    /// <summary>Calls the scheduler as a loop would, marking every notification as accepted.</summary>
    private static List<Notification> Run(GroupScheduler scheduler, DateTimeOffset at, IEnumerable<AlertStatus> alerts)
    {
        var due = scheduler.Due(at, alerts).ToList();
        foreach (var notification in due)
            scheduler.MarkSent(notification, at);
        return due;
    }

    [Fact]
    public void Fifty_alerts_arriving_within_group_wait_make_one_notification()
    {
        var scheduler = new GroupScheduler(Policy, new NotificationLog());
        var alerts = new List<AlertStatus>();
        var sent = new List<Notification>();

        for (var second = 0; second < 50; second++)
        {
            alerts.Add(Firing($"model-{second}", T0.AddSeconds(second * 0.5)));
            sent.AddRange(Run(scheduler, T0.AddSeconds(second * 0.5), alerts));
        }
        Assert.Empty(sent);
        Assert.Equal(T0.AddSeconds(30), scheduler.NextDueAt(alerts));
        for (var second = 25; second <= 60; second++)
            sent.AddRange(Run(scheduler, T0.AddSeconds(second), alerts));

        var page = Assert.Single(sent);
        Assert.Equal(NotificationReason.NewGroup, page.Reason);
        Assert.Equal(50, page.Firing.Count);
        Assert.Equal("pagerduty:{alertname=\"latency_p95\", project=\"acme\"}", page.GroupKey);
    }

    [Fact]
    public void Different_group_by_values_are_separate_notifications()
    {
        var scheduler = new GroupScheduler(Policy, new NotificationLog());
        AlertStatus[] alerts = [Firing("a", T0, "acme"), Firing("a", T0, "beta"), Firing("b", T0, "beta")];

        Run(scheduler, T0, alerts);
        var sent = Run(scheduler, T0.AddSeconds(30), alerts);

        Assert.Equal([1, 2], sent.Select(n => n.Firing.Count));
    }

    [Fact]
    public void An_alert_resolved_before_group_wait_never_pages()
    {
        var scheduler = new GroupScheduler(Policy, new NotificationLog());
        var alert = Firing("a", T0);

        Assert.Empty(Run(scheduler, T0, [alert]));
        Assert.Empty(Run(scheduler, T0.AddSeconds(10), [Resolved(alert, T0.AddSeconds(10))]));
        Assert.Empty(Run(scheduler, T0.AddSeconds(30), [Resolved(alert, T0.AddSeconds(10))]));
        Assert.Empty(Run(scheduler, T0.AddMinutes(30), []));
    }

    [Fact]
    public void A_new_alert_in_a_notified_group_waits_for_group_interval()
    {
        var scheduler = new GroupScheduler(Policy, new NotificationLog());
        var first = Firing("a", T0);
        Run(scheduler, T0, [first]);
        Assert.Single(Run(scheduler, T0.AddSeconds(30), [first]));
        var second = Firing("b", T0.AddMinutes(1));

        Assert.Empty(Run(scheduler, T0.AddMinutes(1), [first, second]));
        Assert.Empty(Run(scheduler, T0.AddMinutes(5), [first, second]));
        var update = Assert.Single(Run(scheduler, T0.AddSeconds(330), [first, second]));

        Assert.Equal(NotificationReason.GroupChanged, update.Reason);
        Assert.Equal(2, update.Firing.Count);
    }

    [Fact]
    public void An_unchanged_group_repeats_after_repeat_interval_only()
    {
        var scheduler = new GroupScheduler(Policy, new NotificationLog());
        var alert = Firing("a", T0);
        Run(scheduler, T0, [alert]);
        Run(scheduler, T0.AddSeconds(30), [alert]);

        var sent = new List<Notification>();
        for (var minute = 1; minute <= 5 * 60; minute++)
            sent.AddRange(Run(scheduler, T0.AddSeconds(30).AddMinutes(minute), [alert]));

        Assert.Equal(T0.AddSeconds(30).AddHours(4), scheduler.NextDueAt([alert]) - Policy.RepeatInterval);
        var repeat = Assert.Single(sent);
        Assert.Equal(NotificationReason.Repeat, repeat.Reason);
    }

    [Fact]
    public void A_resolved_group_gets_exactly_one_resolved_notification()
    {
        var scheduler = new GroupScheduler(Policy, new NotificationLog());
        var alert = Firing("a", T0);
        Run(scheduler, T0, [alert]);
        Run(scheduler, T0.AddSeconds(30), [alert]);
        var resolved = Resolved(alert, T0.AddMinutes(2));

        var sent = new List<Notification>();
        for (var minute = 2; minute <= 60; minute++)
            sent.AddRange(Run(scheduler, T0.AddMinutes(minute), [resolved]));

        var notification = Assert.Single(sent);
        Assert.Equal(NotificationReason.GroupResolved, notification.Reason);
        Assert.Equal([alert.Fingerprint], notification.ResolvedFingerprints);
        Assert.Equal(alert.Fingerprint, Assert.Single(notification.Resolved).Fingerprint);
    }

    [Fact]
    public void A_failed_send_is_retried_and_not_recorded()
    {
        var scheduler = new GroupScheduler(Policy, new NotificationLog());
        var alert = Firing("a", T0);
        scheduler.Due(T0, [alert]);

        Assert.Single(scheduler.Due(T0.AddSeconds(30), [alert])); // not marked sent: the receiver failed
        Assert.Single(scheduler.Due(T0.AddSeconds(40), [alert]));
    }

    [Fact]
    public void After_a_restart_from_the_log_nothing_is_sent_twice()
    {
        var log = new NotificationLog();
        var alert = Firing("a", T0);
        var before = new GroupScheduler(Policy, log);
        Run(before, T0, [alert]);
        Assert.Single(Run(before, T0.AddSeconds(30), [alert]));

        var after = new GroupScheduler(Policy, new NotificationLog(log.Entries.ToList()));
        var sent = new List<Notification>();
        for (var minute = 1; minute < 4 * 60; minute++)
            sent.AddRange(Run(after, T0.AddSeconds(30).AddMinutes(minute), [alert]));

        Assert.Empty(sent);
    }

    [Fact]
    public void After_a_restart_a_resolve_that_happened_while_down_is_sent_even_if_the_alert_was_lost()
    {
        var log = new NotificationLog();
        var alert = Firing("a", T0);
        var before = new GroupScheduler(Policy, log);
        Run(before, T0, [alert]);
        Run(before, T0.AddSeconds(30), [alert]);

        var after = new GroupScheduler(Policy, new NotificationLog(log.Entries.ToList()));
        var sent = Run(after, T0.AddMinutes(20), []);
        sent.AddRange(Run(after, T0.AddMinutes(40), []));

        var resolve = Assert.Single(sent);
        Assert.Equal(NotificationReason.GroupResolved, resolve.Reason);
        Assert.Equal([alert.Fingerprint], resolve.ResolvedFingerprints);
    }

    [Fact]
    public void A_group_that_fires_again_after_its_resolve_waits_group_wait_again()
    {
        var scheduler = new GroupScheduler(Policy, new NotificationLog());
        var alert = Firing("a", T0);
        Run(scheduler, T0, [alert]);
        Run(scheduler, T0.AddSeconds(30), [alert]);
        Assert.Single(Run(scheduler, T0.AddMinutes(10), [Resolved(alert, T0.AddMinutes(9))]));
        var again = Firing("a", T0.AddMinutes(20));

        Assert.Empty(Run(scheduler, T0.AddMinutes(20), [again]));
        Assert.Equal(NotificationReason.NewGroup, Assert.Single(Run(scheduler, T0.AddMinutes(20).AddSeconds(30), [again])).Reason);
    }
}
