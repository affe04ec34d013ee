using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.SystemTests.Faults;

/// <summary>Human feedback through feedback-ingest, and where it ends up: a human score on the trace in trace-collector.</summary>
public static class Feedback
{
    public static async Task<HttpResponseMessage> SendThumbsAsync(ServiceProcesses platform, string projectKey, string traceId, string idempotencyKey)
    {
        using var client = platform[ServiceProcesses.FeedbackIngest].CreateClient(projectKey);
        var response = await client.PostAsJsonAsync("/api/feedback", new { traceId, kind = "thumbs", value = true, idempotencyKey });
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>Waits for the trace to carry human scores and returns their ids (the feedback ids), duplicates included.</summary>
    public static async Task<IReadOnlyList<string>> HumanScoreIdsAsync(ServiceProcesses platform, string projectKey, string traceId, TimeSpan timeout)
    {
        using var collector = platform[ServiceProcesses.TraceCollector].CreateClient(projectKey);
        return await Eventually.UntilAsync(async () =>
        {
            var (trace, _) = await TraceApi.WaitAsync(collector, traceId, timeout);
            var scores = (trace["scores"]?.AsArray() ?? new JsonArray())
                .Concat(trace["observations"]!.AsArray().SelectMany(o => o!["scores"]?.AsArray() ?? new JsonArray()))
                .Where(s => s!["source"]?.GetValue<string>() == "human")
                .Select(s => s!["id"]!.GetValue<string>())
                .ToList();
            return scores.Count > 0 ? scores : null;
        }, timeout, $"a human score on trace {traceId}");
    }
}
