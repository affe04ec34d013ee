using System.Threading.Channels;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Contracts.Alerting;
using LlmOps.ServiceDefaults.Messaging;

namespace LlmOps.Alerting.Features.Engine;

public static class AlertEventKinds
{
    public const string Fired = "fired";
    public const string Resolved = "resolved";
}

/// <summary>
/// Sends AlertFired / AlertResolved on the bus and the same events as CloudEvents on <c>llmops.alerts</c>, in the order
/// the engine produced them, off the engine's loop (a broker outage must not delay a page). The engine writes each
/// transition with an "unpublished" mark before handing it here; the mark is cleared once both the bus and the topic
/// confirmed, and anything still marked is published again after a restart. The CloudEvent id is derived from the
/// alert and its episode, so a re-publish is a duplicate subscribers drop.
/// </summary>
public sealed class AlertEventPublisher(BoundedPublisher bus, ITopicPublisher topics, AlertStore store, ILogger<AlertEventPublisher> logger)
    : BackgroundService
{
    private static readonly string Source = CloudEventSources.For(AlertingExtensions.ServiceName);
    private readonly Channel<UnpublishedEvent> _queue = Channel.CreateUnbounded<UnpublishedEvent>(new UnboundedChannelOptions { SingleReader = true });
    private int _backlog;

    /// <summary>Events waiting for the broker.</summary>
    public int Backlog => Volatile.Read(ref _backlog);

    public void Enqueue(UnpublishedEvent pending)
    {
        Interlocked.Increment(ref _backlog);
        _queue.Writer.TryWrite(pending);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var pending in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await PublishAsync(pending, stoppingToken);
                    await store.MarkPublishedAsync(pending.Alert.Status.Fingerprint, pending.Kind, stoppingToken);
                    break;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return; // still marked in the database: published after the restart
                }
                catch (Exception e)
                {
                    var wait = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(attempt, 5)) / 2));
                    logger.LogWarning(e, "Publishing alert {Kind} for {Fingerprint} failed (attempt {Attempt}); retrying in {Wait}",
                        pending.Kind, pending.Alert.Status.Fingerprint, attempt, wait);
                    await Task.Delay(wait, stoppingToken);
                }
            }
            Interlocked.Decrement(ref _backlog);
        }
    }

    private async Task PublishAsync(UnpublishedEvent pending, CancellationToken cancellationToken)
    {
        var status = pending.Alert.Status;
        var id = CloudEventId(status, pending.Kind);
        if (pending.Kind == AlertEventKinds.Fired)
        {
            var fired = ToFired(status);
            await bus.PublishAsync(fired, cancellationToken);
            await topics.PublishAsync(Topics.Alerts, CloudEvent.Create(Source, fired, subject: status.Fingerprint, id: id, time: fired.FiredAt), cancellationToken);
        }
        else
        {
            var resolved = ToResolved(status, pending.Alert.ResolvedBy);
            await bus.PublishAsync(resolved, cancellationToken);
            await topics.PublishAsync(Topics.Alerts, CloudEvent.Create(Source, resolved, subject: status.Fingerprint, id: id, time: resolved.ResolvedAt), cancellationToken);
        }
    }

    /// <summary><c>{fingerprint}/{episode start, Unix ms}/{fired|resolved}</c>: one id per alert, episode and transition.</summary>
    public static string CloudEventId(AlertStatus status, string kind) => $"{status.Fingerprint}/{status.ActiveAt.ToUnixTimeMilliseconds()}/{kind}";

    public static AlertFired ToFired(AlertStatus status) => new()
    {
        Fingerprint = status.Fingerprint,
        RuleName = status.RuleName,
        Severity = status.Labels.GetValueOrDefault("severity") ?? "warning",
        ProjectId = status.Labels.GetValueOrDefault("project"),
        Labels = status.Labels,
        Annotations = status.Annotations,
        Value = double.IsFinite(status.Value) ? status.Value : null,
        Threshold = status.Threshold is { } t && double.IsFinite(t) ? t : null,
        StartsAt = status.ActiveAt,
        FiredAt = status.FiredAt ?? status.ActiveAt,
    };

    public static AlertResolved ToResolved(AlertStatus status, string? resolvedBy) => new()
    {
        Fingerprint = status.Fingerprint,
        RuleName = status.RuleName,
        ProjectId = status.Labels.GetValueOrDefault("project"),
        Labels = status.Labels,
        StartsAt = status.ActiveAt,
        ResolvedAt = status.ResolvedAt ?? DateTimeOffset.UtcNow,
        ResolvedBy = resolvedBy,
    };
}
