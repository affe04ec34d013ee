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

    /// <summary>Short in-process retries before a message goes to its <c>_error</c> queue.</summary>
    public int[] RetryIntervalsMs { get; set; } = [100, 500, 2000];

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
