using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.SystemTests;

public static class TraceApi
{
    /// <summary>Polls <c>GET /api/traces/{id}</c> until it answers 200; returns the trace and how long that took.</summary>
    public static async Task<(JsonNode Trace, TimeSpan Waited)> WaitAsync(HttpClient client, string traceId, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var trace = await Eventually.UntilAsync(async () =>
        {
            var response = await client.GetAsync($"/api/traces/{traceId}");
            return response.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
        }, timeout ?? TimeSpan.FromSeconds(30), $"trace {traceId}");
        return (trace, clock.Elapsed);
    }
}
