using System.Globalization;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.SystemTests.Faults;

/// <summary>
/// What a fault must not break, checked on the processes' own APIs: every request the gateway answered has exactly one
/// trace with exactly one generation, every generation's inference has exactly one cost row, and the project's cost
/// totals count each request once (a redelivered event that was counted twice shows up there, by its inference id).
/// </summary>
public static class Promises
{
    public static async Task AssertEachTracedAndPricedOnceAsync(ServiceProcesses platform, string projectId, string projectKey,
        IReadOnlyList<string> traceIds, TimeSpan timeout)
    {
        Assert.Equal(traceIds.Count, traceIds.Distinct().Count());
        using var collector = platform[ServiceProcesses.TraceCollector].CreateClient(projectKey);
        using var costs = platform[ServiceProcesses.CostAccountant].CreateClient(projectKey);

        var inferenceIds = new List<Guid>();
        foreach (var traceId in traceIds)
        {
            var (trace, _) = await TraceApi.WaitAsync(collector, traceId, timeout);
            Assert.Equal(projectId, trace["projectId"]!.GetValue<string>());
            var generations = trace["observations"]!.AsArray().Where(o => o!["inferenceId"] is not null).ToList();
            Assert.True(generations.Count == 1, $"trace {traceId} has {generations.Count} generations: {trace.ToJsonString()}");
            inferenceIds.Add(generations[0]!["inferenceId"]!.GetValue<Guid>());
        }
        Assert.Equal(inferenceIds.Count, inferenceIds.Distinct().Count());

        foreach (var chunk in inferenceIds.Chunk(100))
        {
            var query = string.Join('&', chunk.Select(id => $"id={id}"));
            var rows = await Eventually.UntilAsync(async () =>
            {
                var data = JsonNode.Parse(await costs.GetStringAsync($"/api/costs/inferences?{query}"))!["data"]!.AsArray();
                return data.Count >= chunk.Length ? data : null;
            }, timeout, $"costs of {chunk.Length} inferences of {projectId}");
            Assert.Equal(chunk.Length, rows.Count);
            Assert.Equal(chunk.Order(), rows.Select(r => r!["inferenceId"]!.GetValue<Guid>()).Order());
            Assert.All(rows, r => Assert.True(r!["priced"]!.GetValue<bool>(), r.ToJsonString()));
        }

        // The rollups behind the totals add each newly recorded inference once: equal to the requests, not more.
        var from = Uri.EscapeDataString(DateTime.UtcNow.AddHours(-2).ToString("O", CultureInfo.InvariantCulture));
        var totals = await Eventually.UntilAsync(async () =>
        {
            var body = JsonNode.Parse(await costs.GetStringAsync($"/api/costs?from={from}"))!["totals"]!;
            return body["requests"]!.GetValue<long>() >= traceIds.Count ? body : null;
        }, timeout, $"{projectId}'s cost totals to count {traceIds.Count} requests");
        Assert.Equal(traceIds.Count, totals["requests"]!.GetValue<long>());
    }

    /// <summary>Waits until every service answers <c>/health/ready</c> 200 with status Healthy.</summary>
    public static Task WaitAllHealthyAsync(ServiceProcesses platform, TimeSpan timeout) =>
        Task.WhenAll(platform.All.Select(s => WaitReadinessAsync(s, healthy: true, timeout)));

    /// <summary>
    /// Waits until <paramref name="service"/>'s readiness is Healthy (<paramref name="healthy"/>) or anything else: a 503, or a
    /// 200 that says Degraded. Returns the last answer's status and body.
    /// </summary>
    public static async Task<string> WaitReadinessAsync(ServiceProcess service, bool healthy, TimeSpan timeout)
    {
        using var client = service.CreateClient(null);
        client.Timeout = TimeSpan.FromSeconds(10);
        var last = "no answer";
        try
        {
            return await Eventually.UntilAsync(async () =>
            {
                HttpResponseMessage response;
                try
                {
                    response = await client.GetAsync("/health/ready");
                }
                catch (TaskCanceledException)
                {
                    last = "no answer within 10 s";
                    return null;
                }
                var body = await response.Content.ReadAsStringAsync();
                last = $"{(int)response.StatusCode} {body}";
                var isHealthy = response.IsSuccessStatusCode && JsonNode.Parse(body)?["status"]?.GetValue<string>() == "Healthy";
                return isHealthy == healthy ? last : null;
            }, timeout, $"{service.Name}'s readiness to be {(healthy ? "Healthy" : "not Healthy")}");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} Last answer: {last}", ex);
        }
    }

    /// <summary>Runs a scenario and, when it fails, puts every process's recent output in the failure.</summary>
    public static async Task WithTailsAsync(ServiceProcesses platform, Func<Task> scenario)
    {
        try
        {
            await scenario();
        }
        catch (Exception ex)
        {
            throw new ScenarioFailedException($"{ex.GetType().Name}: {ex.Message}\n\n{platform.Tails(60)}", ex);
        }
    }
}

public sealed class ScenarioFailedException(string message, Exception inner) : Exception(message, inner);
