using System.ComponentModel.DataAnnotations;

namespace LlmOps.ServiceDefaults.Messaging;

public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary><see cref="Transports.RabbitMq"/> in distributed mode, <see cref="Transports.InMemory"/> in the embedded platform.</summary>
    [Required]
    [AllowedValues(Transports.RabbitMq, Transports.InMemory)]
    public string Transport { get; set; } = Transports.InMemory;

    public RabbitMqOptions RabbitMq { get; set; } = new();

    /// <summary>Messages a receive endpoint holds unacknowledged at once.</summary>
    [Range(1, 10_000)]
    public int PrefetchCount { get; set; } = 32;

    /// <summary>
    /// Short in-process retries before a message goes to its <c>_error</c> queue. Unset: <see cref="DefaultRetryIntervalsMs"/>
    /// (null by default for the reason <see cref="StorageRetryIntervalsMs"/> gives: <c>Messaging__RetryIntervalsMs__0=50</c>
    /// must mean [50], not the defaults with 50 appended).
    /// </summary>
    public int[]? RetryIntervalsMs { get; set; }

    public static readonly int[] DefaultRetryIntervalsMs = [100, 500, 2000];

    public int[] EffectiveRetryIntervalsMs => RetryIntervalsMs is { Length: > 0 } set ? set : DefaultRetryIntervalsMs;

    /// <summary>
    /// Retries while the service's database is away (<see cref="StorageOutageRetry"/>): long enough to outlast a database
    /// restart or failover, short of RabbitMQ's 30-minute delivery acknowledgement timeout. The message stays
    /// unacknowledged meanwhile; it goes to <c>_error</c> only if the database stays away longer. Unset:
    /// <see cref="DefaultStorageRetryIntervalsMs"/> (null by default because configuration binding appends to an array
    /// it finds, so a default here could not be replaced).
    /// </summary>
    public int[]? StorageRetryIntervalsMs { get; set; }

    /// <summary>About 3 minutes: 0.25, 0.5, 1, 2, 4, 8 s, then every 15 s.</summary>
    public static readonly int[] DefaultStorageRetryIntervalsMs =
        [250, 500, 1_000, 2_000, 4_000, 8_000, .. Enumerable.Repeat(15_000, 12)];

    public int[] EffectiveStorageRetryIntervalsMs => StorageRetryIntervalsMs is { Length: > 0 } set ? set : DefaultStorageRetryIntervalsMs;

    /// <summary>Upper bound on any publish from an HTTP edge or background service: a broker that is down must not hang a caller.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public static class Transports
    {
        public const string RabbitMq = "RabbitMq";
        public const string InMemory = "InMemory";
    }
}

public sealed class RabbitMqOptions
{
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    public string VirtualHost { get; set; } = "/";
    public string Username { get; set; } = "guest";

    /// <summary>From the environment only (<c>Messaging__RabbitMq__Password</c>).</summary>
    public string Password { get; set; } = "guest";

    public bool UseTls { get; set; }

    /// <summary>Heartbeat, so a dead connection is noticed within two intervals.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(10);
}
