using LlmOps.ServiceDefaults.Messaging;

namespace LlmOps.InferenceProxy.Features.Keys;

public static partial class KeyEvents
{
    /// <summary>
    /// Announces a change the database already holds. If the broker does not confirm, the change still stands and every
    /// process picks it up with its next key snapshot (AuthOptions.KeySnapshotRefresh); the caller is told it is
    /// durable, not that everyone knows yet. Revocations do not use this: they must be confirmed (see KeyEndpoints).
    /// </summary>
    public static async Task<bool> AnnounceAsync<T>(BoundedPublisher publisher, T message, ILogger logger, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            await publisher.PublishAsync(message, cancellationToken);
            return true;
        }
        catch (TimeoutException ex)
        {
            LogNotAnnounced(logger, ex, typeof(T).Name);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message} is stored but the broker did not confirm its announcement; other services learn it from their next key snapshot")]
    private static partial void LogNotAnnounced(ILogger logger, Exception exception, string message);
}
