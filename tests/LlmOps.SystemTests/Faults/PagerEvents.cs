using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.SystemTests.Faults;

/// <summary>One request PagerDuty's stand-in got, with the Events v2 event it carried.</summary>
public sealed record PagerEvent(ReceivedRequest Request, JsonNode Event)
{
    public string Action => Event["event_action"]!.GetValue<string>();
    public string DedupKey => Event["dedup_key"]!.GetValue<string>();
}

/// <summary>
/// The PagerDuty events of one rule's alerts (dedup key <c>llmops/{rule}/...</c>), in the order they arrived: the fault
/// scenarios share one receiver, and another rule's page (a resolve arriving late) is none of a scenario's business.
/// </summary>
public static class PagerEvents
{
    public static IReadOnlyList<PagerEvent> Of(PageReceiver pages, string rule) =>
        pages.RequestsTo(PageReceiver.PagerDutyPath)
            .Select(r => new PagerEvent(r, JsonNode.Parse(r.Body)!))
            .Where(e => e.DedupKey.StartsWith($"llmops/{rule}/", StringComparison.Ordinal))
            .ToList();
}
