using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.RateLimits;

/// <summary>
/// Limits that hold across any number of gateway replicas without a database on the request path: each replica leases
/// slices of a scope's limit for the current window from the shared <see cref="LeaseStore"/> and spends them locally,
/// refilling in the background when a slice runs low. Since the store never hands out more than the limit in total,
/// the requests admitted in a window never exceed it; the slack runs the other way (slices leased but not spent by one
/// replica are not available to the others, at most one slice per replica). A replica's first request of a window for
/// a scope waits for its first lease (bounded by FirstLeaseWaitMs); all others decide from memory.
/// </summary>
public sealed class RateLimiter(LeaseStore store, IOptions<InferenceProxyOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public sealed record Decision(bool Allowed, long Limit, long Remaining, TimeSpan Reset);

    private sealed class Bucket
    {
        public readonly Lock Gate = new();
        public long Window = -1;
        public long Available;
        public long HeldByAll;
        public bool Exhausted;
        public Task? Refill;
    }

    /// <summary>Takes <paramref name="cost"/> units of <paramref name="limit"/> for <paramref name="scope"/>.</summary>
    public async ValueTask<Decision> TryTakeAsync(string scope, long limit, long cost, CancellationToken cancellationToken)
    {
        var bucket = _buckets.GetOrAdd(scope, _ => new Bucket());
        for (var pass = 0; pass < 2; pass++)
        {
            Task? refill;
            var (window, reset) = Window();
            lock (bucket.Gate)
            {
                if (bucket.Window != window)
                {
                    bucket.Window = window;
                    bucket.Available = 0;
                    bucket.HeldByAll = 0;
                    bucket.Exhausted = false;
                    bucket.Refill = null;
                }
                if (bucket.Available >= cost)
                {
                    bucket.Available -= cost;
                    if (!bucket.Exhausted && bucket.Available < Slice(limit) / 2)
                        StartRefill(bucket, scope, window, limit);
                    return new Decision(true, limit, Remaining(bucket, limit), reset);
                }
                if (bucket.Exhausted)
                    return new Decision(false, limit, 0, reset);
                refill = StartRefill(bucket, scope, window, limit);
            }
            // Only a replica without a usable lease waits on the store, and only briefly.
            var waited = await Task.WhenAny(refill, Task.Delay(options.Value.RateLimits.FirstLeaseWaitMs, cancellationToken));
            if (waited != refill)
                return new Decision(false, limit, 0, Window().Reset);
        }
        return new Decision(false, limit, 0, Window().Reset);
    }

    /// <summary>Corrects a charge made on an estimate (tokens) once the real figure is known; can go below zero.</summary>
    public void Adjust(string scope, long delta)
    {
        if (delta == 0 || !_buckets.TryGetValue(scope, out var bucket))
            return;
        lock (bucket.Gate)
            bucket.Available -= delta;
    }

    /// <summary>Gives back units taken for a request that was refused by another scope.</summary>
    public void Refund(string scope, long cost) => Adjust(scope, -cost);

    private Task StartRefill(Bucket bucket, string scope, long window, long limit)
    {
        if (bucket.Refill is { IsCompleted: false } running)
            return running;
        bucket.Refill = Task.Run(async () =>
        {
            long granted, total;
            try
            {
                (granted, total) = await store.LeaseAsync(scope, window, limit, Slice(limit), CancellationToken.None);
            }
            catch (Exception)
            {
                // The store is unreachable: admit nothing more on credit; the next request tries again.
                return;
            }
            lock (bucket.Gate)
            {
                if (bucket.Window != window)
                    return;
                bucket.Available += granted;
                bucket.HeldByAll = total;
                if (granted == 0)
                    bucket.Exhausted = true;
            }
        });
        return bucket.Refill;
    }

    /// <summary>A share of the limit, but at least five units (or the whole limit when smaller), so small limits do not mean a
    /// trip to the store per request.</summary>
    private long Slice(long limit) => Math.Max(Math.Min(limit, 5), (long)Math.Ceiling(limit * options.Value.RateLimits.LeaseFraction));

    /// <summary>What is left as far as this replica knows: its unspent lease plus what no replica had leased at its last lease.</summary>
    private static long Remaining(Bucket bucket, long limit) => Math.Clamp(limit - bucket.HeldByAll + bucket.Available, 0, limit);

    private (long Window, TimeSpan Reset) Window()
    {
        var seconds = options.Value.RateLimits.WindowSeconds;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var window = now / 1000 / seconds;
        var reset = TimeSpan.FromMilliseconds((window + 1) * seconds * 1000 - now);
        return (window, reset);
    }
}
