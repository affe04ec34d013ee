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

/// <summary>
/// Issue #11's first scenario on the six processes: mixed SDK traffic — two projects, two keys in one, two features, a
/// managed prompt on some requests, streamed and plain answers, two models — and the services agree on it: every request
/// has one trace and one priced cost, cost-accountant's totals (overall and by key, feature and prompt) are the sums over
/// the traced requests, and each trace carries exactly the scores its project's evaluators call for (a configured length
/// check on one feature in one project; the shipped defaults in the other).
/// </summary>
[Collection(ProcessesCollection.Name)]
public class MixedTrafficTests(ProcessesFixture fixture)
{
    private const int RequestsPerProject = 8;
    private const string Prompt = "greeting";

    private ServiceProcesses Platform => fixture.Platform;

    private sealed record Sent(int Index, string KeyId, string Feature, bool WithPrompt);

    /// <summary>Request i of a project: its key (the second key on odd requests in the first project), feature and prompt.</summary>
    private static Sent Plan(int i, bool firstProject, string appKeyId, string batchKeyId) =>
        new(i, firstProject && i % 2 == 1 ? batchKeyId : appKeyId, i % 2 == 0 ? "search" : "chat", i % 4 == 0);

    [Fact]
    public async Task Streamed_and_plain_sdk_traffic_of_two_projects_is_traced_priced_and_scored_and_the_totals_agree_with_the_traces()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var projects = new[] { "mixed-c-" + suffix, "mixed-d-" + suffix };
        var keys = new Dictionary<string, (string KeyId, string Key)>();
        foreach (var project in projects)
            keys[project] = await Platform.CreateProjectWithKeyAsync(project);
        var batchKey = await Platform.IssueKeyAsync(projects[0], "batch");
        foreach (var key in keys.Values.Append(batchKey))
            await Platform.WaitForKeyAsync(key.Key);

        // Project C: a length check on its search feature only (configuring evaluators replaces the defaults). D: defaults.
        using (var evaluator = Platform[ServiceProcesses.Evaluator].CreateClient(keys[projects[0]].Key))
        {
            var created = await evaluator.PostAsJsonAsync("/api/evaluators",
                new { name = "search-length", kind = "length", feature = "search", samplingRate = 1.0, settings = new { maxWords = 500 } });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }
        // Both projects' managed prompt, v1 labelled production.
        foreach (var project in projects)
        {
            using var proxy = Platform[ServiceProcesses.InferenceProxy].CreateClient(keys[project].Key);
            var created = await proxy.PostAsJsonAsync($"/api/prompts/{Prompt}/versions", new
            {
                messages = new[] { new { role = "system", content = "Greet the user warmly." } },
                model = "sim-small",
                labels = new[] { "production" },
                commitMessage = "v1",
            });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }
        // The evaluator learns its configuration by event; give it the moment a deployment would.
        await Task.Delay(1_000);

        // Both projects at once, each alternating plain and streamed requests, two models.
        var sent = await Task.WhenAll(projects.Select(async project =>
        {
            var first = project == projects[0];
            var plans = new List<(Sent Plan, string TraceId)>();
            for (var i = 0; i < RequestsPerProject; i++)
            {
                var plan = Plan(i, first, keys[project].KeyId, batchKey.KeyId);
                var key = plan.KeyId == batchKey.KeyId ? batchKey.Key : keys[project].Key;
                var headers = new GatewayHeaders().With("x-llmops-feature", plan.Feature); // the trace ids the gateway answers with, streamed answers' too
                if (plan.WithPrompt)
                    headers = headers.With("x-llmops-prompt", Prompt);
                var chat = headers.ChatClient(Platform[ServiceProcesses.InferenceProxy].BaseAddress, key, i % 3 == 0 ? "sim-large" : "sim-small");
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
                var served = Assert.Single(headers.Answers);
                Assert.Equal(plan.WithPrompt ? $"{Prompt}#1" : null, served.Prompt);
                plans.Add((plan, served.TraceId));
            }
            return (Project: project, Requests: plans);
        }));

        foreach (var (project, requests) in sent)
        {
            var traceIds = requests.Select(r => r.TraceId).ToList();
            Assert.Equal(RequestsPerProject, traceIds.Distinct().Count());
            using var collector = Platform[ServiceProcesses.TraceCollector].CreateClient(keys[project].Key);
            using var costs = Platform[ServiceProcesses.CostAccountant].CreateClient(keys[project].Key);

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

            // By key, feature and prompt: cost-accountant's groups are the sums over the requests sent with each.
            var costOf = priced.ToDictionary(c => c!["traceId"]!.GetValue<string>(), c => c!["cost"]!.GetValue<decimal>());
            await AssertGroupsAsync(costs, from, "key", requests.ToLookup(r => r.Plan.KeyId, r => costOf[r.TraceId]));
            await AssertGroupsAsync(costs, from, "feature", requests.ToLookup(r => r.Plan.Feature, r => costOf[r.TraceId]));
            var prompted = requests.Where(r => r.Plan.WithPrompt).Select(r => costOf[r.TraceId]).ToList();
            var byPrompt = await GroupsAsync(costs, from, "prompt");
            var promptGroup = Assert.Single(byPrompt, g => g.Value.StartsWith(Prompt, StringComparison.Ordinal));
            Assert.Equal((prompted.Count, prompted.Sum()), (promptGroup.Requests, promptGroup.Cost));

            // The scores each trace's evaluators call for, and no others.
            var first = project == projects[0];
            foreach (var (plan, traceId) in requests)
            {
                // C: its length check on search traces. D: the defaults — refusal, PII leak and answer relevance scored, the two
                // RAG metrics that need retrieved documents recorded as not applicable (never a number).
                var expected = first
                    ? plan.Feature == "search" ? ["length:ok"] : Array.Empty<string>()
                    : ["answer_relevance:ok", "context_relevance:not_applicable", "faithfulness:not_applicable", "pii_leak:ok", "refusal:ok"];
                if (expected.Length == 0)
                    continue;
                var names = await Eventually.UntilAsync(async () =>
                {
                    var (trace, _) = await TraceApi.WaitAsync(collector, traceId);
                    var scored = trace["scores"]!.AsArray().Select(x => x!["name"]!.GetValue<string>() + ":" + x["status"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
                    return scored.Count >= expected.Length ? scored : null;
                }, TimeSpan.FromSeconds(60), $"the scores of {project}'s trace {traceId}");
                Assert.Equal(string.Join(", ", expected), string.Join(", ", names));
            }
            if (first)
            {
                // Scored after the search traces of the same burst: a chat trace would have its score by now.
                foreach (var (_, traceId) in requests.Where(r => r.Plan.Feature == "chat"))
                {
                    var (trace, _) = await TraceApi.WaitAsync(collector, traceId);
                    Assert.Empty(trace["scores"]!.AsArray());
                }
            }
        }
    }

    private sealed record Group(string Value, long Requests, decimal Cost);

    private static async Task<List<Group>> GroupsAsync(HttpClient costs, string from, string dimension)
    {
        var body = JsonNode.Parse(await costs.GetStringAsync($"/api/costs?from={Uri.EscapeDataString(from)}&groupBy={dimension}"))!;
        return body["data"]!.AsArray()
            .Select(r => new Group(r!["group"]![dimension]?.GetValue<string>() ?? "", r["totals"]!["requests"]!.GetValue<long>(),
                r["totals"]!["cost"]!.GetValue<decimal>()))
            .ToList();
    }

    private static async Task AssertGroupsAsync(HttpClient costs, string from, string dimension, ILookup<string, decimal> sent)
    {
        var groups = (await GroupsAsync(costs, from, dimension)).ToDictionary(g => g.Value);
        Assert.Equal(sent.Select(g => g.Key).Order(StringComparer.Ordinal), groups.Keys.Order(StringComparer.Ordinal));
        foreach (var group in sent)
            Assert.Equal((group.Count(), group.Sum()), (groups[group.Key].Requests, groups[group.Key].Cost));
    }
}
