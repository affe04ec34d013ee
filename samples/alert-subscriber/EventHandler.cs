namespace LlmOps.Samples.AlertSubscriber;

/// <summary>Your logic: page someone, open a ticket, kick off a retrieval job. Throw to have the event delivered again.</summary>
public interface IEventHandler
{
    Task HandleAsync(ReceivedEvent received, CancellationToken ct);
}

/// <summary>The sample's handler only logs; route on <c>type</c> like this, and leave unknown types alone.</summary>
public sealed partial class LoggingEventHandler(ILogger<LoggingEventHandler> logger) : IEventHandler
{
    public Task HandleAsync(ReceivedEvent received, CancellationToken ct)
    {
        switch (received.Type)
        {
            case "io.llmops.alert.fired":
                LogAlert("fired", Data(received, "ruleName"), Data(received, "severity"), received.Subject, received.Id);
                break;
            case "io.llmops.alert.resolved":
                LogAlert("resolved", Data(received, "ruleName"), Data(received, "severity"), received.Subject, received.Id);
                break;
            default:
                LogEvent(received.Type, received.Topic, received.Subject, received.Id, received.Known);
                break;
        }
        return Task.CompletedTask;
    }

    private static string? Data(ReceivedEvent received, string property) =>
        received.Data is { ValueKind: System.Text.Json.JsonValueKind.Object } data && data.TryGetProperty(property, out var value)
            ? value.ToString()
            : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {State}: {RuleName} ({Severity}) on {Subject}, event {EventId}")]
    private partial void LogAlert(string state, string? ruleName, string? severity, string? subject, string eventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {Type} on {Topic} about {Subject}, event {EventId} (known type: {Known})")]
    private partial void LogEvent(string type, string topic, string? subject, string eventId, bool known);
}
