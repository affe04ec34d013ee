using LlmOps.TraceCollector.Features.Query;
using static LlmOps.TraceCollector.Tests.Query.Rows;

namespace LlmOps.TraceCollector.Tests.Query;

public class ObservationOrderTests
{
    [Fact]
    public void Observations_in_a_parent_cycle_are_all_kept_after_the_true_roots()
    {
        var observations = new[]
        {
            Observation("p", "t", "a", Epoch, parentId: "b"),
            Observation("p", "t", "b", Epoch.AddSeconds(1), parentId: "a"),
            Observation("p", "t", "self", Epoch.AddSeconds(2), parentId: "self"),
        };

        var flat = ObservationOrder.Flatten(observations);

        Assert.Equal(["self", "a", "b"], flat.Select(f => f.Observation.Id));
        Assert.Equal([0, 0, 1], flat.Select(f => f.Depth));
    }

    [Fact]
    public void A_chain_of_ten_thousand_nested_observations_is_flattened_without_recursion()
    {
        var observations = Enumerable.Range(0, 10_000)
            .Select(i => Observation("p", "t", $"o{i}", Epoch.AddMilliseconds(i), parentId: i == 0 ? null : $"o{i - 1}"))
            .Reverse().ToList();

        var flat = ObservationOrder.Flatten(observations);

        Assert.Equal(Enumerable.Range(0, 10_000), flat.Select(f => f.Depth));
    }
}
