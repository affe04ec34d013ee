using System.Collections.Concurrent;
using LlmOps.Alerting.Features.Receivers;
using LlmOps.Alerting.Features.Routing;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Alerting.Infrastructure;
using Microsoft.Extensions.Options;
using Notification = LlmOps.Alerting.Features.Rules.Notification;

namespace LlmOps.Alerting.Features.Engine;

/// <summary>
/// The rule engine: every tick it evaluates the rules that are due against the metric windows, moves each series through
/// its lifecycle (<see cref="AlertStateMachine"/>), writes what changed, hands transitions to the event publisher, and
/// sends the notifications the routing tree's group schedulers say are due (silenced and inhibited alerts left out).
/// Deliveries run in the background; a delivered notification is entered in the notification log only after the
/// receiver's 2xx, so a crash repeats it (at least once) and a restart does not. One instance per deployment owns the
/// alerts (see docs/alerting.md); every public method takes the same lock, so the API and the loop never interleave.
/// </summary>
public sealed partial class AlertEngine(
    IMetricSource metrics,
    AlertStore store,
    AlertEventPublisher publisher,
    ReceiverSenders senders,
    IOptions<RoutingOptions> routing,
    IOptions<EngineOptions> options,
    AlertingMetrics telemetry,
    ILogger<AlertEngine> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, RuleRuntime> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrackedAlert> _people = new(StringComparer.Ordinal); // ack / resolve-by-hand per fingerprint
    private readonly Dictionary<string, string> _handResolved = new(StringComparer.Ordinal); // fingerprint → rule
    private readonly Dictionary<string, (Silence Silence, string? ProjectId)> _silences = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _inflight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _retryAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _refused = new(StringComparer.Ordinal); // group + receiver → what the receiver refused
    private readonly ConcurrentQueue<DeliveryOutcome> _outcomes = new();
    private readonly Dictionary<string, GroupScheduler> _schedulers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<RouteNode>> _routeCache = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private NotificationLog _log = new();
    private RouteTree _routes = null!;
    private IReadOnlyList<InhibitRule> _inhibit = [];
    private DateTimeOffset _nextPrune;
    private ChangeSet? _unsaved;
    private bool _started;

    private IReadOnlyList<AlertView> _alertViews = [];
    private IReadOnlyList<RuleView> _ruleViews = [];

    private sealed class RuleRuntime(ScheduledRule scheduled, AlertStateMachine machine)
    {
        public ScheduledRule Scheduled { get; set; } = scheduled;
        public AlertStateMachine Machine { get; set; } = machine;
        public DateTimeOffset NextEvaluationAt { get; set; }
        public DateTimeOffset? LastEvaluatedAt { get; set; }
        public string? LastError { get; set; }
        public IReadOnlyList<SeriesView> Series { get; set; } = [];
        public Dictionary<string, AlertStatus> Persisted { get; } = new(StringComparer.Ordinal);
    }

    private sealed record DeliveryOutcome(string RouteId, Notification Decision, DateTimeOffset DispatchedAt, DeliveryResult Result);

    /// <summary>Alerts as of the last step (pending, firing, recently resolved), newest first.</summary>
    public IReadOnlyList<AlertView> Alerts => _alertViews;

    public IReadOnlyList<RuleView> Rules => _ruleViews;

    public IReadOnlyList<(Silence Silence, string? ProjectId)> Silences
    {
        get
        {
            lock (_silences)
                return _silences.Values.OrderBy(s => s.Silence.StartsAt).ToList();
        }
    }

    /// <summary>Deliveries in flight (a page being sent or retried).</summary>
    public int InFlight { get { lock (_inflight) return _inflight.Count; } }

    /// <summary>Loads the rules file and the persisted state; call once before the first <see cref="TickAsync"/>.</summary>
    public async Task StartAsync(IReadOnlyList<ScheduledRule> fileRules, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = await store.LoadAsync(now, cancellationToken);
            _routes = RouteTree.Build(routing.Value.Route, senders.Names);
            _inhibit = routing.Value.InhibitRules.Select(r => r.ToRule()).ToList();
            _log = new NotificationLog(state.Log);
            foreach (var route in _routes.Routes)
                _schedulers[route.Id] = new GroupScheduler(route.Policy!, _log);
            foreach (var (silence, projectId) in state.Silences)
                lock (_silences)
                    _silences[silence.Id] = (silence, projectId);
            foreach (var alert in state.Alerts)
            {
                if (alert.AcknowledgedBy is not null || alert.ResolvedBy is not null)
                    _people[alert.Status.Fingerprint] = alert;
                if (alert.ResolvedBy is not null && alert.Status.State == AlertState.Resolved)
                    _handResolved[alert.Status.Fingerprint] = alert.Status.RuleName;
            }
            var restored = state.Alerts.Select(a => a.Status).ToList();
            var apiRules = new List<ScheduledRule>();
            foreach (var record in state.ApiRules)
            {
                try
                {
                    apiRules.Add(new ScheduledRule(ApiRuleParser.Parse(record.Definition), ApiRuleParser.Group,
                        TimeSpan.FromSeconds(record.IntervalSeconds), RuleSources.Api, record.Definition));
                }
                catch (RuleFileException e)
                {
                    logger.LogError("Stored rule {Rule} no longer loads and is skipped: {Errors}", record.Name, string.Join("; ", e.Errors));
                }
            }
            foreach (var scheduled in fileRules.Concat(apiRules.Where(a => fileRules.All(f => f.Rule.Name != a.Rule.Name))))
                AddRule(scheduled, restored, now);
            foreach (var pending in state.Unpublished)
                publisher.Enqueue(pending);
            await ResolveOrphansAsync(state.Alerts, now, cancellationToken);
            _nextPrune = now + TimeSpan.FromMinutes(5);
            _started = true;
            RefreshViews(now);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One step at <paramref name="now"/>: finished deliveries, due rules, due notifications, persistence.</summary>
    public async Task TickAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_started)
                throw new InvalidOperationException("StartAsync first.");
            var changes = new ChangeSet();
            var events = new List<UnpublishedEvent>();
            lock (_silences)
                foreach (var id in _silences.Where(s => s.Value.Silence.EndsAt <= now).Select(s => s.Key).ToList())
                    _silences.Remove(id);
            DrainOutcomes(now, changes);
            foreach (var runtime in _rules.Values.Where(r => r.NextEvaluationAt <= now).ToList())
            {
                try
                {
                    Evaluate(runtime, now, changes, events);
                }
                catch (Exception e)
                {
                    // One broken rule must not stop the others, nor the notifications and writes of this step.
                    runtime.LastError = e.Message;
                    telemetry.EvaluationFailed(runtime.Scheduled.Rule.Name);
                    logger.LogError(e, "Rule {Rule} could not be applied", runtime.Scheduled.Rule.Name);
                }
            }
            var muting = MutingOfAll(AllAlerts.ToList(), now);
            Notify(now, changes, muting);
            await SaveAsync(changes, events, cancellationToken);
            RefreshViews(now, muting);
            if (now >= _nextPrune)
            {
                _nextPrune = now + TimeSpan.FromHours(1);
                _log.Prune(now - TimeSpan.FromDays(options.Value.HistoryRetentionDays));
                await store.PruneAsync(now - TimeSpan.FromDays(options.Value.HistoryRetentionDays), cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Writes a step's changes, then hands its transitions to the publisher. When the database cannot be written, the
    /// events still go out (an alert must not go unannounced because its row could not be saved) and the changes are
    /// kept and written with the next step's.
    /// </summary>
    private async Task SaveAsync(ChangeSet changes, List<UnpublishedEvent> events, CancellationToken cancellationToken)
    {
        if (_unsaved is not null)
        {
            changes.TakeOver(_unsaved);
            _unsaved = null;
        }
        try
        {
            await store.SaveAsync(changes, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _unsaved = changes;
            logger.LogError(e, "Writing alert state failed; kept in memory and written with the next step");
        }
        foreach (var pending in events)
            publisher.Enqueue(pending);
    }

    /// <summary>Waits for deliveries in flight (tests and shutdown).</summary>
    public async Task DrainDeliveriesAsync(TimeSpan timeout)
    {
        Task[] tasks;
        lock (_inflight)
            tasks = _inflight.Values.ToArray();
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(timeout));
    }

    public void Stop() => _stopping.Cancel();

    /// <summary>
    /// Alerts whose rule is gone (removed from the file while alerting was down) would otherwise stay firing in the
    /// database forever: they resolve, announced like any other resolve. Their receivers get the group's resolve from
    /// the notification log.
    /// </summary>
    private async Task ResolveOrphansAsync(IEnumerable<TrackedAlert> alerts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var changes = new ChangeSet();
        var events = new List<UnpublishedEvent>();
        foreach (var alert in alerts.Where(a => !_rules.ContainsKey(a.Status.RuleName) && a.Status.State != AlertState.Resolved))
        {
            if (alert.Status.State == AlertState.Pending)
            {
                changes.Deletes.Add(alert.Status.Fingerprint);
                continue;
            }
            var tracked = alert with
            {
                Status = alert.Status with { State = AlertState.Resolved, ResolvedAt = now, KeepFiringSince = alert.Status.KeepFiringSince ?? now },
                ResolvedBy = "rule removed",
            };
            changes.Upsert(tracked, AlertEventKinds.Resolved);
            changes.History.Add(History(tracked.Status, AlertEventKinds.Resolved, now, tracked.ResolvedBy, null));
            events.Add(new UnpublishedEvent(AlertEventKinds.Resolved, tracked));
            logger.LogWarning("Alert {Fingerprint} of rule {Rule}, which no longer exists, resolved", alert.Status.Fingerprint, alert.Status.RuleName);
        }
        await SaveAsync(changes, events, cancellationToken);
    }

    private void AddRule(ScheduledRule scheduled, IEnumerable<AlertStatus> restored, DateTimeOffset now)
    {
        var restoredForRule = restored.Where(a => a.RuleName == scheduled.Rule.Name).ToList();
        var runtime = new RuleRuntime(scheduled, new AlertStateMachine(scheduled.Rule, restoredForRule)) { NextEvaluationAt = now };
        foreach (var alert in restoredForRule)
            runtime.Persisted[alert.Fingerprint] = alert;
        _rules[scheduled.Rule.Name] = runtime;
    }

    private void Evaluate(RuleRuntime runtime, DateTimeOffset now, ChangeSet changes, List<UnpublishedEvent> events)
    {
        var rule = runtime.Scheduled.Rule;
        // Half a tick early: ticks drift by a few milliseconds, and "due at exactly now + interval" would then wait for the
        // next tick, running a 1s rule every 2 s at a 1 s tick.
        runtime.NextEvaluationAt = now + runtime.Scheduled.Interval - TimeSpan.FromMilliseconds(options.Value.TickMs / 2.0);
        IReadOnlyList<SeriesObservation> observations;
        try
        {
            observations = metrics.Observe(rule, now);
            runtime.LastError = null;
        }
        catch (Exception e)
        {
            // A rule that cannot be evaluated keeps its alerts as they are: "no data" must not resolve a page.
            runtime.LastError = e.Message;
            telemetry.EvaluationFailed(rule.Name);
            logger.LogError(e, "Evaluating rule {Rule} failed", rule.Name);
            return;
        }
        runtime.LastEvaluatedAt = now;
        runtime.Series = observations.Select(o => new SeriesView(o.Labels, o.Result.Value, o.Result.Threshold, o.Result.Holds)).ToList();
        telemetry.Evaluated(rule.Name);

        var filtered = new List<SeriesObservation>(observations.Count);
        var stillHeld = new HashSet<string>(StringComparer.Ordinal);
        foreach (var observation in observations)
        {
            var fingerprint = AlertLabels.Fingerprint(AlertLabels.For(rule, observation.Labels));
            if (_handResolved.ContainsKey(fingerprint) && observation.Result.Holds)
            {
                // Resolved by a person while still breaching: it stays resolved until the condition clears once.
                stillHeld.Add(fingerprint);
                filtered.Add(observation with { Result = observation.Result with { Holds = false } });
            }
            else
                filtered.Add(observation);
        }
        // Cleared once its condition stopped holding, even if the resolved alert itself was forgotten meanwhile.
        foreach (var (fingerprint, _) in _handResolved.Where(h => h.Value == rule.Name && !stillHeld.Contains(h.Key)).ToList())
            _handResolved.Remove(fingerprint);

        var transitions = runtime.Machine.Evaluate(now, filtered);
        var current = runtime.Machine.Alerts.ToDictionary(a => a.Fingerprint, StringComparer.Ordinal);
        var transitioned = transitions.ToDictionary(t => t.Alert.Fingerprint, t => t.Kind, StringComparer.Ordinal);
        foreach (var (fingerprint, alert) in current)
        {
            runtime.Persisted.TryGetValue(fingerprint, out var persisted);
            if (transitioned.TryGetValue(fingerprint, out var kind))
            {
                if (kind == TransitionKind.Fired)
                    _people.Remove(fingerprint); // a new episode: last episode's acknowledgement does not carry over
                var tracked = Track(alert);
                var eventKind = kind == TransitionKind.Fired ? AlertEventKinds.Fired : AlertEventKinds.Resolved;
                changes.Upsert(tracked, eventKind);
                changes.History.Add(History(alert, eventKind, now, by: null, note: null));
                events.Add(new UnpublishedEvent(eventKind, tracked));
                telemetry.Transition(rule.Name, eventKind, alert.Labels.GetValueOrDefault("severity"));
                LogTransition(rule.Name, eventKind, alert.Fingerprint, AlertLabels.Format(alert.Labels), alert.Value);
            }
            else if (persisted is null || StateChanged(persisted, alert) || ValueWorthSaving(persisted, alert))
                changes.Upsert(Track(alert));
            runtime.Persisted[fingerprint] = alert;
        }
        foreach (var gone in runtime.Persisted.Keys.Where(f => !current.ContainsKey(f)).ToList())
        {
            if (runtime.Persisted[gone].State == AlertState.Pending)
                changes.Deletes.Add(gone);
            runtime.Persisted.Remove(gone);
            _routeCache.Remove(gone);
        }
    }

    private static bool StateChanged(AlertStatus before, AlertStatus after) =>
        before.State != after.State || before.ActiveAt != after.ActiveAt || before.FiredAt != after.FiredAt
        || before.KeepFiringSince != after.KeepFiringSince || before.ResolvedAt != after.ResolvedAt;

    // The value is for people looking at the API; refreshed in the database when it moved by more than 1 % of itself.
    private static bool ValueWorthSaving(AlertStatus before, AlertStatus after) =>
        after.State != AlertState.Resolved && Math.Abs(after.Value - before.Value) > Math.Max(1e-9, Math.Abs(before.Value) * 0.01);

    private TrackedAlert Track(AlertStatus status) =>
        _people.TryGetValue(status.Fingerprint, out var people)
            ? people with { Status = status }
            : new TrackedAlert(status);

    private static AlertHistoryRecord History(AlertStatus alert, string kind, DateTimeOffset at, string? by, string? note) => new()
    {
        Id = Guid.CreateVersion7(at),
        Fingerprint = alert.Fingerprint,
        RuleName = alert.RuleName,
        ProjectId = alert.Labels.GetValueOrDefault("project"),
        Kind = kind,
        At = at.UtcDateTime,
        Value = double.IsFinite(alert.Value) ? alert.Value : null,
        By = by,
        Note = note,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {Rule} {Kind}: {Fingerprint} {Labels} value {Value}")]
    private partial void LogTransition(string rule, string kind, string fingerprint, string labels, double value);
}
