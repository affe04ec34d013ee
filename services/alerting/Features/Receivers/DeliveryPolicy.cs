namespace LlmOps.Alerting.Features.Receivers;

/// <summary>
/// Sends one request with retries: exponential backoff with jitter on 5xx, 429, network errors and timeouts; a
/// <c>Retry-After</c> (seconds or HTTP date, capped) takes the backoff's place; any other 4xx is final. The pause is a
/// function, so tests assert what was waited instead of waiting.
/// </summary>
public sealed class DeliveryPolicy
{
    private readonly DeliveryOptions _options;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Func<double> _jitter;
    private readonly TimeProvider _time;

    /// <param name="delay">The pause before a retry; <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> by default.</param>
    /// <param name="jitter">A number in [0, 1): the share of the backoff's upper half to add; random by default.</param>
    /// <param name="time">The clock an HTTP-date <c>Retry-After</c> is measured against.</param>
    public DeliveryPolicy(DeliveryOptions options, Func<TimeSpan, CancellationToken, Task>? delay = null, Func<double>? jitter = null,
        TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _delay = delay ?? ((wait, cancellationToken) => Task.Delay(wait, _time, cancellationToken));
        _jitter = jitter ?? Random.Shared.NextDouble;
    }

    public DeliveryOptions Options => _options;

    /// <summary>Sends <paramref name="request"/> (built afresh for every attempt: a request message is sent once) until a 2xx or a final answer.</summary>
    public async Task<DeliveryResult> SendAsync(HttpClient http, Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        var waits = new List<TimeSpan>();
        for (var attempt = 1; ; attempt++)
        {
            int? status = null;
            string error;
            bool retryable;
            TimeSpan? retryAfter = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(_options.AttemptTimeoutSeconds));
                using var message = request();
                using var response = await http.SendAsync(message, timeout.Token);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                    return new DeliveryResult(true, attempt, status, null, false, waits);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                error = $"answered {status}: {Cut(body)}";
                retryable = status >= 500 || status == 429;
                retryAfter = RetryAfter(response);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = $"no answer within {_options.AttemptTimeoutSeconds} s";
                retryable = true;
            }
            catch (HttpRequestException ex)
            {
                error = $"request failed: {Cut(ex.Message)}";
                retryable = true;
            }

            if (!retryable || attempt >= _options.MaxAttempts)
                return new DeliveryResult(false, attempt, status, error, retryable, waits);
            var wait = retryAfter ?? Backoff(attempt);
            waits.Add(wait);
            await _delay(wait, cancellationToken);
        }
    }

    /// <summary>Before retry n (n = 1 after the first attempt): base × 2^(n−1), capped, then jittered into its upper half.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(_options.MaxDelaySeconds, _options.BaseDelaySeconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        // "Equal jitter": never less than half the step, so retries still back off, yet two senders rarely collide.
        return TimeSpan.FromSeconds(ceiling / 2 + ceiling / 2 * Math.Clamp(_jitter(), 0, 1));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var asked = header?.Delta ?? (header?.Date is { } date ? date - _time.GetUtcNow() : null);
        if (asked is not { } wait)
            return null;
        var cap = TimeSpan.FromSeconds(_options.MaxRetryAfterSeconds);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > cap ? cap : wait;
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] : text;
}
