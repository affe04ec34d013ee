using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.SystemTests;

/// <summary>One request PagerDuty's stand-in got, with the Events v2 event it carried.</summary>
public sealed record PagerEvent(ReceivedRequest Request, JsonNode Event)
{
    public string Action => Event["event_action"]!.GetValue<string>();
    public string DedupKey => Event["dedup_key"]!.GetValue<string>();
}

/// <summary>
/// The PagerDuty events of one rule's alerts (dedup key <c>llmops/{rule}/...</c>) or of one alert (its dedup key), in the
/// order they arrived: scenarios share one receiver, and another rule's page (a resolve arriving late) is none of a
/// scenario's business.
/// </summary>
public static class PagerEvents
{
    public static IReadOnlyList<PagerEvent> Of(PageReceiver pages, string rule) =>
        pages.RequestsTo(PageReceiver.PagerDutyPath)
            .Select(r => new PagerEvent(r, JsonNode.Parse(r.Body)!))
            .Where(e => e.DedupKey.StartsWith($"llmops/{rule}/", StringComparison.Ordinal))
            .ToList();

    /// <summary>The events of the alert with <paramref name="dedupKey"/>, of one <paramref name="action"/> when given.</summary>
    public static List<JsonNode> For(PageReceiver pages, string dedupKey, string? action = null) =>
        pages.RequestsTo(PageReceiver.PagerDutyPath)
            .Select(r => new PagerEvent(r, JsonNode.Parse(r.Body)!))
            .Where(e => e.DedupKey == dedupKey && (action is null || e.Action == action))
            .Select(e => e.Event)
            .ToList();
}
