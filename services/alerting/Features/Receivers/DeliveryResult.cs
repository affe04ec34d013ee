namespace LlmOps.Alerting.Features.Receivers;

/// <summary>
/// How one notification's delivery to one receiver ended. HTTP failures are values, never exceptions: the caller records
/// this per alert group and receiver (the notification log moves on only when <see cref="Delivered"/>).
/// </summary>
/// <param name="Attempts">Requests made; 0 when the receiver could not even be called (e.g. its secret is not set).</param>
/// <param name="LastStatusCode">The last answer's status; null when the last attempt got no answer (network error, timeout).</param>
/// <param name="Retryable">A failure worth trying again later (5xx, 429, network); false for delivered and for other 4xx.</param>
/// <param name="Waits">Each pause taken before a retry, in order.</param>
public sealed record DeliveryResult(bool Delivered, int Attempts, int? LastStatusCode, string? LastError, bool Retryable, IReadOnlyList<TimeSpan> Waits)
{
    /// <summary>Nothing more to do: delivered, or refused in a way retrying will not change.</summary>
    public bool Final => Delivered || !Retryable;

    /// <summary>The receiver's name, for the per-alert delivery state.</summary>
    public string? Receiver { get; init; }

    public static DeliveryResult NotSent(string error) => new(false, 0, null, error, false, []);
}
