using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Testing;
using OpenAI;
using OpenAI.Chat;

namespace LlmOps.SystemTests;

/// <summary>Issue #11's first scenario on the six processes: mixed SDK traffic for two projects, and the services agree on it.</summary>
[Collection(ProcessesCollection.Name)]
public class MixedTrafficTests(ProcessesFixture fixture)
{
    private const int RequestsPerProject = 8;

    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public async Task Streamed_and_plain_sdk_traffic_of_two_projects_is_traced_and_priced_and_the_cost_totals_agree_with_the_traces()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var projects = new[] { "mixed-c-" + suffix, "mixed-d-" + suffix };
        var keys = new Dictionary<string, string>();
        foreach (var project in projects)
            keys[project] = (await Platform.CreateProjectWithKeyAsync(project)).Key;
        foreach (var key in keys.Values)
            await Platform.WaitForKeyAsync(key);

        // Both projects at once, each alternating plain and streamed requests, two models.
        var sent = await Task.WhenAll(projects.Select(async project =>
        {
            var headers = new GatewayHeaders(); // the trace ids the gateway answers with, streamed answers' too
            for (var i = 0; i < RequestsPerProject; i++)
            {
                var chat = headers.ChatClient(Platform[ServiceProcesses.InferenceProxy].BaseAddress, keys[project], i % 3 == 0 ? "sim-large" : "sim-small");
                var question = new UserChatMessage($"Question {i} from {project} [[sim:tokens={10 + i}]]");
                if (i % 2 == 0)
                {
                    var result = await chat.CompleteChatAsync([question]);
                    Assert.False(string.IsNullOrWhiteSpace(result.Value.Content[0].Text));
                }
                else
                {
                    var parts = 0;
                    await foreach (var update in chat.CompleteChatStreamingAsync([question], new ChatCompletionOptions()))
                        parts += update.ContentUpdate.Count;
                    Assert.True(parts > 0);
                }
            }
            return (Project: project, TraceIds: headers.Answers.Select(a => a.TraceId).ToList());
        }));

        foreach (var (project, traceIds) in sent)
        {
            Assert.Equal(RequestsPerProject, traceIds.Distinct().Count());
            using var collector = Platform[ServiceProcesses.TraceCollector].CreateClient(keys[project]);
            using var costs = Platform[ServiceProcesses.CostAccountant].CreateClient(keys[project]);

            // Every request has a trace of its project with one generation carrying its inference id.
            var inferenceIds = new List<Guid>();
            foreach (var traceId in traceIds)
            {
                var (trace, _) = await TraceApi.WaitAsync(collector, traceId);
                Assert.Equal(project, trace["projectId"]!.GetValue<string>());
                var generations = trace["observations"]!.AsArray().Where(o => o!["inferenceId"] is not null).ToList();
                Assert.Single(generations);
                inferenceIds.Add(generations[0]!["inferenceId"]!.GetValue<Guid>());
            }

            // Every inference has a priced cost in cost-accountant, and the project's total is their sum.
            var query = string.Join('&', inferenceIds.Select(id => $"id={id}"));
            var priced = await Eventually.UntilAsync(async () =>
            {
                var data = JsonNode.Parse(await costs.GetStringAsync($"/api/costs/inferences?{query}"))!["data"]!.AsArray();
                return data.Count == inferenceIds.Count ? data : null;
            }, TimeSpan.FromSeconds(30), $"{project}'s {inferenceIds.Count} costs");
            Assert.All(priced, c =>
            {
                Assert.True(c!["priced"]!.GetValue<bool>(), c.ToJsonString());
                Assert.Equal(project, c["projectId"]!.GetValue<string>());
                Assert.Contains(c["traceId"]!.GetValue<string>(), traceIds);
                Assert.True(c["cost"]!.GetValue<decimal>() > 0m);
            });
            var sumOfInferences = priced.Sum(c => c!["cost"]!.GetValue<decimal>());

            var from = DateTime.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture);
            var totals = await Eventually.UntilAsync(async () =>
            {
                var body = JsonNode.Parse(await costs.GetStringAsync($"/api/costs?from={Uri.EscapeDataString(from)}"))!["totals"]!;
                return body["requests"]!.GetValue<long>() == RequestsPerProject ? body : null;
            }, TimeSpan.FromSeconds(30), $"{project}'s cost totals to count {RequestsPerProject} requests");
            Assert.Equal(sumOfInferences, totals["cost"]!.GetValue<decimal>());
            Assert.Equal(0, totals["unpricedRequests"]!.GetValue<long>());

            // The tokens the traces recorded are the tokens that were priced.
            var tracedOutput = 0L;
            foreach (var traceId in traceIds)
            {
                var (trace, _) = await TraceApi.WaitAsync(collector, traceId);
                tracedOutput += trace["observations"]!.AsArray().Sum(o => o!["usage"]!["outputTokens"]!.GetValue<long>());
            }
            Assert.Equal(tracedOutput, totals["outputTokens"]!.GetValue<long>());
        }
    }
}
