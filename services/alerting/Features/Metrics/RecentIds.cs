namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// The ids seen recently, to drop redeliveries: striped two-generation sets. Each stripe keeps its current set until it
/// holds capacity ÷ stripes ids, then that set becomes the previous one and the oldest is forgotten. So memory stays
/// under 2 × capacity ids, and an id is always remembered for at least the next capacity ÷ stripes ids of its stripe
/// (about capacity ids overall: at the default 200,000 that is 10 s at 20,000 events/s, hours at ordinary rates).
/// A redelivery later than that is counted again: the bounded price of not growing without limit.
/// </summary>
public sealed class RecentIds
{
    private const int StripeCount = 16;

    private readonly Stripe[] _stripes;
    private readonly int _perStripe;

    public RecentIds(int capacity)
    {
        _perStripe = Math.Max(1, capacity / StripeCount);
        _stripes = Enumerable.Range(0, StripeCount).Select(_ => new Stripe()).ToArray();
    }

    /// <summary>True the first time an id is seen (within the window); false for a repeat.</summary>
    public bool Add(Guid id)
    {
        var stripe = _stripes[(id.GetHashCode() & int.MaxValue) % StripeCount];
        lock (stripe.Gate)
        {
            if (stripe.Previous.Contains(id) || !stripe.Current.Add(id))
                return false;
            if (stripe.Current.Count >= _perStripe)
            {
                stripe.Previous = stripe.Current;
                stripe.Current = new HashSet<Guid>(_perStripe);
            }
            return true;
        }
    }

    private sealed class Stripe
    {
        public readonly Lock Gate = new();
        public HashSet<Guid> Current = [];
        public HashSet<Guid> Previous = [];
    }
}
