using System.ComponentModel.DataAnnotations;

namespace LlmOps.Alerting.Features.Receivers;

/// <summary>How hard one notification is pushed at a receiver (<c>Alerting:Delivery</c>).</summary>
public sealed record DeliveryOptions
{
    /// <summary>Requests per notification, the first included. Six at 1-2-4-8-16 s is about half a minute of trying.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; init; } = 6;

    [Range(0.001, 600)]
    public double BaseDelaySeconds { get; init; } = 1;

    [Range(0.001, 3600)]
    public double MaxDelaySeconds { get; init; } = 60;

    /// <summary>The longest a receiver's <c>Retry-After</c> is obeyed; a longer ask waits this long.</summary>
    [Range(0, 3600)]
    public double MaxRetryAfterSeconds { get; init; } = 300;

    /// <summary>One request's time limit; no answer within it counts as a network failure (retried).</summary>
    [Range(0.1, 300)]
    public double AttemptTimeoutSeconds { get; init; } = 10;
}
