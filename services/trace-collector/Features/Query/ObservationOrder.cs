using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>
/// A trace's observations flattened parents-before-children (depth-first, siblings by start time), each with its depth,
/// so a client can indent them as a tree without rebuilding one. An observation whose parent is not in the trace (not
/// arrived yet, or outside it) is a root; a parent cycle, which only bad input can create, follows the true roots, entered
/// at its earliest member.
/// </summary>
public static class ObservationOrder
{
    public static List<(ObservationRecord Observation, int Depth)> Flatten(IReadOnlyList<ObservationRecord> observations)
    {
        var ids = observations.Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
        var children = observations.Where(o => o.ParentId is not null && o.ParentId != o.Id)
            .ToLookup(o => o.ParentId!, StringComparer.Ordinal);
        var inStartOrder = Sorted(observations);

        var result = new List<(ObservationRecord, int)>(observations.Count);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        // Roots first; then whatever is left (cycles, unreachable from any root) starts a tree of its own.
        var roots = inStartOrder.Where(o => o.ParentId is null || o.ParentId == o.Id || !ids.Contains(o.ParentId));
        foreach (var start in roots.Concat(inStartOrder))
        {
            if (visited.Contains(start.Id))
                continue;
            // Iterative, so a very deep chain cannot overflow the stack.
            var stack = new Stack<(ObservationRecord, int)>();
            stack.Push((start, 0));
            while (stack.TryPop(out var item))
            {
                var (observation, depth) = item;
                if (!visited.Add(observation.Id))
                    continue;
                result.Add((observation, depth));
                foreach (var child in Sorted(children[observation.Id]).AsEnumerable().Reverse())
                    stack.Push((child, depth + 1));
            }
        }
        return result;
    }

    // Unknown start times (an update that arrived before its create) go last; the id keeps the order stable.
    private static List<ObservationRecord> Sorted(IEnumerable<ObservationRecord> observations) =>
        observations.OrderBy(o => o.StartTime ?? DateTime.MaxValue).ThenBy(o => o.Id, StringComparer.Ordinal).ToList();
}
