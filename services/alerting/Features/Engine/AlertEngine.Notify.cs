using System.Text.Json;
using LlmOps.Alerting.Features.Receivers;
using LlmOps.Alerting.Features.Routing;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Alerting.Infrastructure;
using Notification = LlmOps.Alerting.Features.Rules.Notification;

namespace LlmOps.Alerting.Features.Engine;

public sealed partial class AlertEngine
{
    private IEnumerable<AlertStatus> AllAlerts => _rules.Values.SelectMany(r => r.Machine.Alerts);

    /// <summary>Silenced (by which silences) and inhibited, at <paramref name="now"/>.</summary>
    private (IReadOnlyList<string> SilencedBy, bool Inhibited) Muting(AlertStatus alert, DateTimeOffset now, IReadOnlyCollection<IReadOnlyDictionary<string, string>> firing)
    {
        List<string> silencedBy;
        lock (_silences)
            silencedBy = _silences.Values.Where(s => s.Silence.Mutes(alert.Labels, now)).Select(s => s.Silence.Id).ToList();
        return (silencedBy, InhibitRule.AnyInhibits(_inhibit, alert.Labels, firing));
    }

    private IReadOnlyList<RouteNode> RoutesOf(AlertStatus alert)
    {
        if (_routeCache.TryGetValue(alert.Fingerprint, out var cached))
            return cached;
        var routes = _routes.Match(alert.Labels);
        _routeCache[alert.Fingerprint] = routes;
        return routes;
    }

    /// <summary>Silences and inhibitions of every alert at <paramref name="now"/>, by fingerprint: worked out once per step.</summary>
    private Dictionary<string, (IReadOnlyList<string> SilencedBy, bool Inhibited)> MutingOfAll(IReadOnlyList<AlertStatus> alerts, DateTimeOffset now)
    {
        var firing = alerts.Where(a => a.State == AlertState.Firing).Select(a => a.Labels).ToList();
        return alerts.ToDictionary(a => a.Fingerprint, a => Muting(a, now, firing), StringComparer.Ordinal);
    }

    private void Notify(DateTimeOffset now, ChangeSet changes, Dictionary<string, (IReadOnlyList<string> SilencedBy, bool Inhibited)> muting)
    {
        var byRoute = new Dictionary<string, List<AlertStatus>>(StringComparer.Ordinal);
        foreach (var alert in AllAlerts.Where(a => a.State != AlertState.Pending))
        {
            var (silencedBy, inhibited) = muting[alert.Fingerprint];
            if (silencedBy.Count > 0 || inhibited)
                continue;
            foreach (var route in RoutesOf(alert))
            {
                if (!byRoute.TryGetValue(route.Id, out var members))
                    byRoute[route.Id] = members = [];
                members.Add(alert);
            }
        }
        foreach (var (routeId, scheduler) in _schedulers)
        {
            foreach (var decision in scheduler.Due(now, byRoute.GetValueOrDefault(routeId) ?? []))
            {
                var key = decision.GroupKey + "\n" + decision.Receiver;
                lock (_inflight)
                    if (_inflight.ContainsKey(key))
                        continue;
                if (_retryAt.TryGetValue(key, out var retryAt) && retryAt > now)
                    continue;
                // The receiver refused this very notification for good (PagerDuty's 400: the event is invalid, do not
                // retry): sent again only once the group says something else (an alert joins, leaves or fires anew).
                if (_refused.TryGetValue(key, out var refused) && refused == Content(decision))
                    continue;
                if (decision.Reason == NotificationReason.Repeat && decision.Firing.All(a => _people.GetValueOrDefault(a.Fingerprint)?.AcknowledgedBy is not null))
                {
                    // Everyone in the group is acknowledged: somebody is on it, so no reminder; resolves still go out.
                    scheduler.MarkSent(decision, now);
                    changes.Log.Add(_log.Find(decision.GroupKey, decision.Receiver)!);
                    continue;
                }
                Dispatch(routeId, decision, now);
            }
        }
    }

    private void Dispatch(string routeId, Notification decision, DateTimeOffset now)
    {
        var key = decision.GroupKey + "\n" + decision.Receiver;
        var sender = senders.Find(decision.Receiver);
        var payload = NotificationMapper.Map(decision, options.Value.ExternalUrl);
        var stopping = _stopping.Token;
        var task = Task.Run(async () =>
        {
            DeliveryResult result;
            try
            {
                result = sender is null
                    ? DeliveryResult.NotSent($"Receiver '{decision.Receiver}' is not configured.")
                    : await sender.SendAsync(payload, stopping);
            }
            catch (Exception e)
            {
                result = new DeliveryResult(false, 0, null, e.Message, Retryable: true, []);
            }
            // The group stays "in flight" until the loop has taken the outcome in (DrainOutcomes): otherwise a tick between
            // the two would find it due again and send it twice.
            _outcomes.Enqueue(new DeliveryOutcome(routeId, decision, now, result with { Receiver = decision.Receiver }));
        }, CancellationToken.None);
        lock (_inflight)
            _inflight[key] = task;
    }

    private void DrainOutcomes(DateTimeOffset now, ChangeSet changes)
    {
        while (_outcomes.TryDequeue(out var outcome))
        {
            var (routeId, decision, dispatchedAt, result) = outcome;
            var key = decision.GroupKey + "\n" + decision.Receiver;
            lock (_inflight)
                _inflight.Remove(key);
            var status = decision.Reason == NotificationReason.GroupResolved ? Receivers.Notification.Resolved : Receivers.Notification.Firing;
            changes.Deliveries.Add(new DeliveryRecord
            {
                Id = Guid.CreateVersion7(now),
                GroupKey = decision.GroupKey,
                Receiver = decision.Receiver,
                Status = status,
                Fingerprints = JsonSerializer.Serialize(decision.Firing.Select(a => a.Fingerprint).Concat(decision.ResolvedFingerprints).Distinct()),
                Delivered = result.Delivered,
                Attempts = result.Attempts,
                HttpStatus = result.LastStatusCode,
                Error = result.LastError,
                At = now.UtcDateTime,
            });
            telemetry.Delivery(decision.Receiver, result.Delivered);
            if (result.Delivered && _schedulers.TryGetValue(routeId, out var scheduler))
            {
                scheduler.MarkSent(decision, dispatchedAt);
                changes.Log.Add(_log.Find(decision.GroupKey, decision.Receiver)!);
                _retryAt.Remove(key);
                _refused.Remove(key);
            }
            else if (!result.Delivered && !result.Retryable)
            {
                // Refused (a 4xx other than 429, or a receiver that cannot be called): the same notification would be
                // refused again, so it is not retried; the failure is on the alert's deliveries.
                _retryAt.Remove(key);
                _refused[key] = Content(decision);
                logger.LogError("Notification to {Receiver} for {Group} refused after {Attempts} attempts, not retried: {Error}",
                    decision.Receiver, decision.GroupKey, result.Attempts, result.LastError);
            }
            else if (!result.Delivered)
            {
                _retryAt[key] = now + TimeSpan.FromSeconds(options.Value.FailedDeliveryBackoffSeconds);
                logger.LogError("Notification to {Receiver} for {Group} failed after {Attempts} attempts: {Error}",
                    decision.Receiver, decision.GroupKey, result.Attempts, result.LastError);
            }
        }
    }

    /// <summary>
    /// What a notification tells the receiver, for recognising one it refused: the firing alerts with their episodes
    /// (a re-fired alert is news) and the resolved ones. The reason is left out: a reminder of a refused page is that page.
    /// </summary>
    private static string Content(Notification decision) =>
        string.Join(',', decision.Firing.Select(a => $"{a.Fingerprint}@{a.FiredAt?.UtcTicks}"))
        + "|" + string.Join(',', decision.ResolvedFingerprints.Order(StringComparer.Ordinal));

    /// <param name="muting">The step's muting when it was already worked out (and nothing changed since), else worked out here.</param>
    private void RefreshViews(DateTimeOffset now, Dictionary<string, (IReadOnlyList<string> SilencedBy, bool Inhibited)>? muting = null)
    {
        var alerts = AllAlerts.ToList();
        muting ??= MutingOfAll(alerts, now);
        _alertViews = alerts
            .Select(a =>
            {
                var (silencedBy, inhibited) = muting[a.Fingerprint];
                var source = _rules.TryGetValue(a.RuleName, out var rule) ? rule.Scheduled.Source : RuleSources.File;
                return new AlertView(Track(a), source, silencedBy.Count > 0, silencedBy, inhibited,
                    RoutesOf(a).Select(r => r.Receiver!).Distinct(StringComparer.OrdinalIgnoreCase).ToList());
            })
            .OrderByDescending(v => v.Status.FiredAt ?? v.Status.ActiveAt)
            .ToList();
        _ruleViews = _rules.Values
            .Select(r => new RuleView(r.Scheduled, r.LastEvaluatedAt, r.LastError, r.Series))
            .OrderBy(r => r.Scheduled.Rule.Name, StringComparer.Ordinal)
            .ToList();
    }
}
