using LlmOps.Alerting.Features.Receivers;
using LlmOps.Testing;

namespace LlmOps.Alerting.Tests.Receivers;

public class DeliveryPolicyTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static async Task<(DeliveryResult Result, List<TimeSpan> Waits)> SendAsync(PageReceiver receiver, string path, DeliveryPolicy? policy = null,
        List<TimeSpan>? waits = null)
    {
        waits ??= [];
        policy ??= Samples.Policy(waits);
        var result = await policy.SendAsync(new HttpClient(), () => new HttpRequestMessage(HttpMethod.Post, receiver.Url(path)) { Content = new StringContent("{}") },
            TestContext.Current.CancellationToken);
        return (result, waits);
    }

    [Fact]
    public void Backoff_doubles_from_one_second_and_stops_at_sixty()
    {
        var policy = Samples.Policy([]);

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], Enumerable.Range(1, 8).Select(n => policy.Backoff(n).TotalSeconds));
    }

    [Fact]
    public void Jitter_keeps_each_wait_within_the_upper_half_of_its_step()
    {
        var low = new DeliveryPolicy(new DeliveryOptions(), jitter: () => 0);
        var random = new DeliveryPolicy(new DeliveryOptions());

        Assert.Equal(TimeSpan.FromSeconds(4), low.Backoff(4));
        Assert.All(Enumerable.Range(0, 100), _ => Assert.InRange(random.Backoff(4).TotalSeconds, 4, 8));
    }

    [Fact]
    public async Task A_Retry_After_date_is_waited_until_measured_on_the_injected_clock()
    {
        await using var receiver = await PageReceiver.StartAsync();
        var now = new DateTimeOffset(2026, 8, 1, 10, 0, 0, TimeSpan.Zero);
        receiver.Script("/x", ScriptedAnswer.RetryAfter(503, now.AddSeconds(30).ToString("R")), 200);
        var waits = new List<TimeSpan>();

        var (result, _) = await SendAsync(receiver, "/x", Samples.Policy(waits, time: new FixedClock(now)), waits);

        Assert.True(result.Delivered);
        Assert.Equal([TimeSpan.FromSeconds(30)], waits);
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_cap_waits_only_the_cap()
    {
        await using var receiver = await PageReceiver.StartAsync();
        receiver.Script("/x", ScriptedAnswer.RetryAfter(429, "86400"), 200);

        var (result, waits) = await SendAsync(receiver, "/x");

        Assert.True(result.Delivered);
        Assert.Equal([TimeSpan.FromMinutes(5)], waits);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(413)]
    public async Task Other_4xx_answers_are_final(int status)
    {
        await using var receiver = await PageReceiver.StartAsync();
        receiver.Script("/x", status);

        var (result, waits) = await SendAsync(receiver, "/x");

        Assert.Equal((false, 1, status, true), (result.Delivered, result.Attempts, result.LastStatusCode, result.Final));
        Assert.Empty(waits);
    }

    [Fact]
    public async Task An_unanswered_request_times_out_and_is_retried()
    {
        await using var receiver = await PageReceiver.StartAsync();
        var waits = new List<TimeSpan>();
        var policy = new DeliveryPolicy(new DeliveryOptions { MaxAttempts = 2, AttemptTimeoutSeconds = 0.2 }, (w, _) =>
        {
            waits.Add(w);
            return Task.CompletedTask;
        }, () => 1);
        using var http = new HttpClient(new StallingHandler());

        var result = await policy.SendAsync(http, () => new HttpRequestMessage(HttpMethod.Post, receiver.Url("/x")), TestContext.Current.CancellationToken);

        Assert.False(result.Delivered);
        Assert.Equal(2, result.Attempts);
        Assert.True(result.Retryable);
        Assert.StartsWith("no answer within", result.LastError);
        Assert.Single(waits);
    }

    private sealed class StallingHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
