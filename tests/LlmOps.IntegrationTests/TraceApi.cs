using System.Net;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.IntegrationTests;

public static class TraceApi
{
    /// <summary>Polls GET /api/traces/{id} until the trace is there; returns it and how long that took.</summary>
    public static async Task<(JsonNode Trace, TimeSpan Waited)> WaitForTraceAsync(HttpClient client, string traceId, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var trace = await Eventually.UntilAsync(async () =>
        {
            var response = await client.GetAsync($"/api/traces/{traceId}");
            return response.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
        }, timeout, $"trace {traceId}");
        return (trace, clock.Elapsed);
    }
}
