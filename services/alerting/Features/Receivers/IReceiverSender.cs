using System.Globalization;

namespace LlmOps.Alerting.Features.Receivers;

/// <summary>Delivers a notification to one configured receiver; failures come back in the result, never as exceptions.</summary>
public interface IReceiverSender
{
    string Name { get; }

    Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken);
}

internal static class Wire
{
    /// <summary>RFC 3339 in UTC, without a fraction when there is none: <c>2026-08-01T10:02:00Z</c>.</summary>
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    public static string? Secret(Func<string, string?> environment, string name) =>
        environment(name) is { Length: > 0 } value ? value : null;
}
