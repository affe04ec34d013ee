using System.Data.Common;

namespace LlmOps.ServiceDefaults.Messaging;

/// <summary>
/// Tells a database that is away (refused connection, broken stream, server restarting: the provider's own
/// <see cref="DbException.IsTransient"/>) from a message that cannot be handled. The first is waited out with the
/// longer <see cref="MessagingOptions.StorageRetryIntervalsMs"/> while the message stays unacknowledged on its queue;
/// only the second is worth the short retries and then the <c>_error</c> queue. Without the difference a database
/// restart of a few seconds moved every message in flight to <c>_error</c>: events the HTTP edges had confirmed, lost
/// to the consumers until someone moved them back by hand.
/// </summary>
public static class StorageOutageRetry
{
    /// <summary>True when <paramref name="exception"/> or anything it wraps is a transient database failure.</summary>
    public static bool IsStorageOutage(Exception exception)
    {
        for (var depth = 0; depth < 8 && exception is not null; depth++)
        {
            if (exception is DbException { IsTransient: true })
                return true;
            if (exception is AggregateException aggregate)
                return aggregate.InnerExceptions.Any(IsStorageOutage);
            exception = exception.InnerException!;
        }
        return false;
    }
}
