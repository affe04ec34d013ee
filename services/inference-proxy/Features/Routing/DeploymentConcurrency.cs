using System.Collections.Concurrent;

namespace LlmOps.InferenceProxy.Features.Routing;

/// <summary>Requests in flight per deployment, against its MaxConcurrentRequests (per gateway replica).</summary>
public sealed class DeploymentConcurrency
{
    private readonly ConcurrentDictionary<string, StrongBox> _inFlight = new(StringComparer.Ordinal);

    /// <summary>Takes a slot, or returns null when the deployment is at its limit. Dispose the result to give it back.</summary>
    public IDisposable? TryEnter(DeploymentOptions deployment)
    {
        var counter = _inFlight.GetOrAdd(deployment.Name, _ => new StrongBox());
        var now = Interlocked.Increment(ref counter.Value);
        if (deployment.MaxConcurrentRequests is { } limit && now > limit)
        {
            Interlocked.Decrement(ref counter.Value);
            return null;
        }
        return new Slot(counter);
    }

    public int InFlight(string deployment) => _inFlight.TryGetValue(deployment, out var counter) ? Volatile.Read(ref counter.Value) : 0;

    private sealed class StrongBox
    {
        public int Value;
    }

    private sealed class Slot(StrongBox counter) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                Interlocked.Decrement(ref counter.Value);
        }
    }
}
