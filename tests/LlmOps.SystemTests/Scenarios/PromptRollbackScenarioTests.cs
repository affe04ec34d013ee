using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LlmOps.Testing;
using OpenAI.Chat;

namespace LlmOps.SystemTests.Scenarios;

/// <summary>
/// Issue #11, the closed loop on six processes: a prompt release that breaks the JSON a client parses is scored by the
/// evaluator, rolled back by the registry on the loop's request, paged to on-call, and the page resolves once the
/// answers are good again — everything driven by the official OpenAI SDK through the gateway.
/// </summary>
[Collection(ScenarioCollection.Name)]
public class PromptRollbackScenarioTests(ScenarioFixture fixture)
{
    private const string Prompt = "orders";
    private const int PerVersion = ScenarioFixture.LoopMinSamples + 2;
    private const int Recovery = 3 * PerVersion;

    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public async Task Prompt_v3_breaking_json_is_rolled_back_to_v2_with_evidence_paged_and_the_page_resolves_on_good_v2_answers()
    {
        try
        {
            await RunAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{ex}\n\n{Platform.Tails()}");
        }
    }

    private async Task RunAsync()
    {
        var project = "rollback-" + Guid.NewGuid().ToString("N")[..8];
        var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
        await Platform.WaitForKeyAsync(key);
        using var proxy = Platform[ServiceProcesses.InferenceProxy].CreateClient(key);
        using var evaluator = Platform[ServiceProcesses.Evaluator].CreateClient(key);
        using var collector = Platform[ServiceProcesses.TraceCollector].CreateClient(key);

        // v1 and v2 answer in JSON; the model's answers are scripted in the prompt (the simulator reads [[sim:...]]).
        await CreateVersionAsync(proxy, 1, """{"order":"A-1","status":"unknown"}""");
        await CreateVersionAsync(proxy, 2, """{"order":"A-1","status":"shipped"}""");
        (await proxy.PutAsJsonAsync($"/api/prompts/{Prompt}/policy", new { policy = "auto" })).EnsureSuccessStatusCode();
        (await evaluator.PostAsJsonAsync("/api/evaluators", new { name = "orders-json", kind = "json_valid", promptName = Prompt }))
            .EnsureSuccessStatusCode();

        var gateway = new GatewayHeaders().With("x-llmops-prompt", Prompt);
        var chat = gateway.ChatClient(Platform[ServiceProcesses.InferenceProxy].BaseAddress, key, "sim-small");

        // Production on v2: good answers, scored before the release so the loop has a baseline to compare with.
        var v2 = await SendAsync(chat, gateway, PerVersion, "before");
        Assert.All(v2, a => Assert.Equal($"{Prompt}#2", a.Prompt));
        await WaitForScoresAsync(collector, v2.Select(a => a.TraceId), expected: 1);

        // The release: v3 drops the JSON, labelled production like any release.
        await CreateVersionAsync(proxy, 3, "Order A-1 has shipped and should arrive on Tuesday.");
        var v3 = await SendAsync(chat, gateway, PerVersion, "release");
        Assert.All(v3, a => Assert.Equal($"{Prompt}#3", a.Prompt));
        await WaitForScoresAsync(collector, v3.Select(a => a.TraceId), expected: 0);

        // The loop asks for the rollback with its evidence, and the registry (auto policy) moves the label back to v2.
        var action = await Eventually.UntilAsync(async () =>
        {
            var data = JsonNode.Parse(await evaluator.GetStringAsync("/api/actions?kind=prompt_rollback"))!["data"]!.AsArray();
            return data.Count > 0 ? data : null;
        }, TimeSpan.FromSeconds(60), "the prompt_rollback action");
        var rollback = Assert.Single(action)!;
        Assert.Equal(project, rollback["projectId"]!.GetValue<string>());
        Assert.Equal("prompt", rollback["path"]!.GetValue<string>());
        Assert.Equal(3, rollback["details"]!["fromVersion"]!.GetValue<int>());
        Assert.Equal(2, rollback["details"]!["toVersion"]!.GetValue<int>());
        var evidence = rollback["evidence"]!;
        Assert.Equal("json_valid", evidence["metric"]!.GetValue<string>());
        // The controller decides as soon as the evidence suffices: any pass from the minimum sample on may be the one.
        var sampleSize = evidence["sampleSize"]!.GetValue<int>();
        Assert.InRange(sampleSize, ScenarioFixture.LoopMinSamples, PerVersion);
        Assert.Equal(sampleSize, evidence["failureCount"]!.GetValue<int>());
        Assert.Equal(PerVersion, evidence["baselineSampleSize"]!.GetValue<int>());
        Assert.Equal(0.0, evidence["baselineRate"]!.GetValue<double>());
        var examples = evidence["exampleTraceIds"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        Assert.NotEmpty(examples);
        Assert.Equal(examples.Count, examples.Distinct().Count());
        Assert.All(examples, id => Assert.Contains(id, v3.Select(a => a.TraceId)));
        var actionId = rollback["id"]!.GetValue<string>();

        var moves = await Eventually.UntilAsync(async () =>
        {
            var prompt = JsonNode.Parse(await proxy.GetStringAsync($"/api/prompts/{Prompt}"))!;
            if (prompt["labels"]?["production"]?["version"]?.GetValue<int>() != 2)
                return null;
            return JsonNode.Parse(await proxy.GetStringAsync($"/api/prompts/{Prompt}/history?label=production"))!["data"]!.AsArray();
        }, TimeSpan.FromSeconds(30), "the production label back on v2");
        // Newest first: the rollback (3 → 2, carrying the action's id), then the releases of v3, v2 and v1.
        Assert.Equal(["3 -> 2", "2 -> 3", "1 -> 2", "none -> 1"],
            moves.Select(m => $"{m!["from"]?["version"]?.GetValue<int>().ToString() ?? "none"} -> {m["to"]!["version"]!.GetValue<int>()}").ToArray());
        Assert.Equal(actionId, moves[0]!["actionId"]!.GetValue<string>());
        Assert.All(moves.Skip(1), m => Assert.Null(m!["actionId"]?.GetValue<string>()));

        // On-call was paged about the broken answers, once, for this project.
        var dedupKey = $"llmops/format_failures/project={project}";
        var triggered = await Eventually.UntilAsync(() => Task.FromResult(PagerEvents.For(Platform.Pages, dedupKey, "trigger") is { Count: > 0 } p ? p : null),
            TimeSpan.FromSeconds(30), "the format_failures page");
        var page = Assert.Single(triggered);
        Assert.Equal("critical", page["payload"]!["severity"]!.GetValue<string>());
        Assert.StartsWith($"JSON answers in {project} fail ", page["payload"]!["summary"]!.GetValue<string>());
        Assert.Equal("docs/runbooks/format-failures.md", page["payload"]!["custom_details"]!["runbook_url"]!.GetValue<string>());

        // New requests resolve to v2 and answer in JSON again; as good scores outweigh the bad ones the page resolves.
        var recovered = await SendAsync(chat, gateway, Recovery, "after");
        Assert.All(recovered, a => Assert.Equal($"{Prompt}#2", a.Prompt));
        await WaitForScoresAsync(collector, recovered.Select(a => a.TraceId), expected: 1);
        var resolved = await Eventually.UntilAsync(() => Task.FromResult(PagerEvents.For(Platform.Pages, dedupKey, "resolve") is { Count: > 0 } p ? p : null),
            TimeSpan.FromSeconds(30), "the format_failures resolve");
        Assert.Single(resolved);
        Assert.Single(PagerEvents.For(Platform.Pages, dedupKey, "trigger"));

        // Every request is one trace: no duplicates, none missing.
        var all = v2.Concat(v3).Concat(recovered).Select(a => a.TraceId).ToList();
        Assert.Equal(PerVersion * 2 + Recovery, all.Distinct().Count());
    }

    private async Task CreateVersionAsync(HttpClient proxy, int version, string scriptedAnswer)
    {
        var created = await proxy.PostAsJsonAsync($"/api/prompts/{Prompt}/versions", new
        {
            messages = new[]
            {
                new { role = "system", content = $"Answer with the order as JSON. [[sim:response={scriptedAnswer}]]" },
                new { role = "user", content = "Where is my order?" },
            },
            model = "sim-small",
            labels = new[] { "production" },
            commitMessage = $"v{version}",
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    private static async Task<List<GatewayHeaders.Served>> SendAsync(ChatClient chat, GatewayHeaders gateway, int count, string phase)
    {
        var before = gateway.Answers.Count;
        for (var i = 0; i < count; i++)
        {
            var answer = await chat.CompleteChatAsync([new UserChatMessage($"Order question {i} ({phase})")]);
            Assert.False(string.IsNullOrWhiteSpace(answer.Value.Content[0].Text));
        }
        var served = gateway.Answers.Skip(before).ToList();
        Assert.Equal(count, served.Count);
        Assert.Equal(count, served.Select(s => s.TraceId).Distinct().Count());
        return served;
    }

    /// <summary>Waits until every trace carries its json_valid score, and checks each has exactly one with the value expected.</summary>
    private static async Task WaitForScoresAsync(HttpClient collector, IEnumerable<string> traceIds, double expected)
    {
        foreach (var traceId in traceIds)
        {
            var scores = await Eventually.UntilAsync(async () =>
            {
                var response = await collector.GetAsync($"/api/traces/{traceId}");
                if (response.StatusCode != HttpStatusCode.OK)
                    return null;
                var json = (await response.Content.ReadFromJsonAsync<JsonNode>())!["scores"]!.AsArray()
                    .Where(s => s!["name"]!.GetValue<string>() == "json_valid").ToList();
                return json.Count > 0 ? json : null;
            }, TimeSpan.FromSeconds(30), $"the json_valid score of trace {traceId}");
            var score = Assert.Single(scores)!;
            Assert.Equal(expected, score["value"]!.GetValue<double>());
        }
    }
}
