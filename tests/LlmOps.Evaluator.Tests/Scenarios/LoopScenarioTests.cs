using System.Net.Http.Json;
using System.Text.Json;
using LlmOps.Contracts.Actions;
using LlmOps.Contracts.Feedback;
using LlmOps.Contracts.Tracing;
using LlmOps.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests.Scenarios;

/// <summary>
/// The closed loop end to end inside the evaluator: finished traces in over the bus, built-in evaluators score them,
/// the controller diagnoses the path, and the actions come out on the bus, on the actions topic and in /api/actions.
/// </summary>
public class LoopScenarioTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static string Json(int i, bool broken) => broken ? $"Sure! Here is the order {i}: id={i}, status=shipped" : $$"""{"order":{{i}},"status":"shipped"}""";

    [Fact]
    public async Task Prompt_v3_breaking_json_output_while_v2_did_not_requests_a_rollback_to_v2_with_evidence()
    {
        await using var host = await EvaluatorHost.StartAsync();
        using var client = host.Host.CreateClient(EvaluatorHost.KeyOfA);
        (await client.PostAsJsonAsync("/api/evaluators", new { name = "json", kind = "json_valid" })).EnsureSuccessStatusCode();

        await host.PublishAndWaitAsync(Enumerable.Range(0, 60).Select(i => Traces.Trace("project-a", $"order {i}?", Json(i, broken: i % 50 == 0), version: 2)).ToList());
        await host.PublishAndWaitAsync(Enumerable.Range(0, 60).Select(i => Traces.Trace("project-a", $"order {i}?", Json(i, broken: i % 5 < 2), version: 3)).ToList());

        var rollback = await Eventually.UntilAsync(() => Task.FromResult(host.Captured<PromptRollbackRequested>().Messages.FirstOrDefault()), Wait, "a rollback");
        Assert.Equal(("project-a", "answer", "production", 3, 2), (rollback.ProjectId, rollback.PromptName, rollback.Label, rollback.FromVersion, rollback.ToVersion));
        Assert.Equal("json_valid", rollback.Evidence.Metric);
        Assert.True(rollback.Evidence.SampleSize >= 30);
        Assert.InRange(rollback.Evidence.Rate, 0.3, 0.5);
        Assert.NotEmpty(rollback.Evidence.ExampleTraceIds);
        var index = await Eventually.UntilAsync(() => Task.FromResult(host.Captured<OptimizationActionProposed>().Messages.FirstOrDefault()), Wait, "the index");
        Assert.Equal((rollback.ActionId, ActionPaths.Prompt, "prompt_rollback"), (index.ActionId, index.Path, index.Kind));

        var listedText = await Eventually.UntilAsync(async () =>
        {
            var page = await client.GetFromJsonAsync<JsonElement>("/api/actions");
            return page.GetProperty("data").GetArrayLength() > 0 ? page.GetProperty("data")[0].GetRawText() : null;
        }, Wait, "the action listed");
        var listed = JsonDocument.Parse(listedText).RootElement;
        Assert.Equal(rollback.ActionId, listed.GetProperty("id").GetGuid());
        Assert.Equal("open", listed.GetProperty("status").GetString());
        Assert.Equal(3, listed.GetProperty("details").GetProperty("fromVersion").GetInt32());
        // Prompt actions stay inside the platform: the registry acts on them, no outside topic event.
        Assert.Empty(host.Topics.Recent("llmops.actions"));

        // The same diagnosis on more traffic is within its cooldown: no second action.
        await host.PublishAndWaitAsync(Enumerable.Range(0, 40).Select(i => Traces.Trace("project-a", $"more {i}?", Json(i, broken: i % 2 == 0), version: 3)).ToList());
        await Task.Delay(1_000);
        Assert.Single(host.Captured<PromptRollbackRequested>().Messages);
        Assert.DoesNotContain(host.Captured<PromptRevisionRequested>().Messages, m => m.ProjectId == "project-a");
    }

    [Fact]
    public async Task Retrieval_misses_with_faithful_answers_request_a_rag_fix_and_a_knowledge_gap_but_no_prompt_action()
    {
        await using var host = await EvaluatorHost.StartAsync(new Dictionary<string, string?> { ["Evaluator:Loop:KnowledgeGapMinQueries"] = "10" });
        var shipping = "Standard shipping takes three to five business days within the country. Express shipping arrives the next business day.";
        var office = "Our office in Lisbon opens at nine in the morning and closes at six in the evening.";
        var traces = new List<TraceCompleted>();
        for (var i = 0; i < 80; i++)
        {
            traces.Add(i % 2 == 0
                ? Traces.Trace("project-b", "How many business days does express shipping take?", "Express shipping arrives the next business day.",
                    documents: [shipping], dataSource: "help-center")
                // Nothing about gift card refunds in the index: the retriever returns something unrelated, and the model
                // says what that document says (faithful to it) instead of inventing a policy.
                : Traces.Trace("project-b", $"Can I get a refund for gift card number {i}?", "Our office in Lisbon opens at nine in the morning.",
                    documents: [office], dataSource: "help-center"));
        }

        await host.PublishAndWaitAsync(traces);

        var rag = await Eventually.UntilAsync(() => Task.FromResult(host.Captured<RetrievalImprovementRequested>().Messages.FirstOrDefault()), Wait,
            "a retrieval action");
        Assert.Equal(("project-b", "help-center", "context_relevance"), (rag.ProjectId, rag.DataSourceId, rag.Metric));
        Assert.InRange(rag.Evidence.Rate, 0.4, 0.6);
        Assert.NotEmpty(rag.FailingQueries);
        Assert.All(rag.FailingQueries, q => Assert.Contains("gift card", q.Input));
        var gap = await Eventually.UntilAsync(() => Task.FromResult(host.Captured<KnowledgeGapDetected>().Messages.FirstOrDefault()), Wait, "a knowledge gap");
        Assert.Contains("gift", gap.Topic);
        // Detected as soon as the cluster is big enough, possibly before all 40 misses were scored.
        Assert.InRange(gap.QueryCount, 10, 40);
        Assert.NotEmpty(gap.ExampleQueries);

        // The RAG actions also reach the outside world as CloudEvents, with the action id as the event id.
        var events = await Eventually.UntilAsync(() => Task.FromResult(host.Topics.Recent("llmops.actions") is { Count: >= 2 } e ? e : null), Wait,
            "the CloudEvents");
        Assert.Contains(events, e => e.Id == rag.ActionId.ToString() && e.Type == "io.llmops.action.retrieval_improvement_requested" && e.Subject == "project-b");
        Assert.Contains(events, e => e.Id == gap.ActionId.ToString() && e.Type == "io.llmops.action.knowledge_gap_detected");

        await Task.Delay(1_000);
        Assert.Empty(host.Captured<PromptRollbackRequested>().Messages);
        Assert.Empty(host.Captured<PromptRevisionRequested>().Messages);
        Assert.Empty(host.Captured<FineTuneExamplesCurated>().Messages);
    }

    [Fact]
    public async Task Unfaithful_answers_despite_relevant_context_across_versions_curate_a_fine_tune_set_that_exports_in_openai_chat_format()
    {
        await using var host = await EvaluatorHost.StartAsync(new Dictionary<string, string?> { ["Evaluator:Loop:FineTuneTargetSize"] = "20" });
        var bus = host.Host.Services.GetRequiredService<IBus>();
        TraceCompleted Answer(int version, int i)
        {
            var document = $"Model {i}: the warranty covers manufacturing defects for two years from the date of purchase. Batteries are covered for one year.";
            var question = $"How long does the warranty of model {i} cover manufacturing defects?";
            return i % 5 < 2
                // Relevant context, invented facts.
                ? Traces.Trace("project-a", question, $"The warranty of model {i} lasts 99 years and includes free accidental damage cover worldwide.",
                    version: version, documents: [document], model: "gpt-x")
                : Traces.Trace("project-a", question, $"The warranty of model {i} covers manufacturing defects for two years from the date of purchase.",
                    version: version, documents: [document], model: "gpt-x");
        }

        var v1 = Enumerable.Range(0, 60).Select(i => Answer(1, i)).ToList();
        await host.PublishAndWaitAsync(v1);
        // People correct some of the invented answers.
        foreach (var wrong in v1.Where(t => t.Answer!.Contains("99 years")).Take(8))
        {
            await bus.Publish(new FeedbackReceived
            {
                FeedbackId = Guid.NewGuid(), ProjectId = "project-a", TraceId = wrong.TraceId, Kind = FeedbackKinds.Correction,
                Correction = "Manufacturing defects are covered for two years from purchase; batteries for one year. Contact me at jane.doe@example.com.",
                ReceivedAt = DateTimeOffset.UtcNow,
            });
        }
        await Task.Delay(500);
        await host.PublishAndWaitAsync(Enumerable.Range(0, 60).Select(i => Answer(2, i)).ToList());

        var curated = await Eventually.UntilAsync(() => Task.FromResult(host.Captured<FineTuneExamplesCurated>().Messages.FirstOrDefault()), Wait,
            "fine-tune curation");
        Assert.Equal(("project-a", "gpt-x", "faithfulness"), (curated.ProjectId, curated.Model, curated.Evidence.Metric));
        Assert.True(curated.AddedCount >= 20, $"added {curated.AddedCount}");
        var ready = await Eventually.UntilAsync(() => Task.FromResult(host.Captured<FineTuneDatasetReady>().Messages.FirstOrDefault()), Wait, "dataset ready");
        Assert.Equal((curated.DatasetId, "openai-chat"), (ready.DatasetId, ready.Format));
        Assert.Empty(host.Captured<PromptRollbackRequested>().Messages);

        using var client = host.Host.CreateClient(EvaluatorHost.KeyOfA);
        var response = await client.GetAsync(ready.ExportPath);
        response.EnsureSuccessStatusCode();
        Assert.Equal("application/jsonl", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ready.ExampleCount, lines.Length);
        foreach (var line in lines)
            OpenAiChatFormat.AssertValid(line);
        // Corrections are in (the answer people wanted), scrubbed of personal data; invented answers are not.
        Assert.Contains(lines, l => l.Contains("batteries for one year") && l.Contains("[EMAIL]"));
        Assert.DoesNotContain(lines, l => l.Contains("jane.doe@example.com"));
        Assert.DoesNotContain(lines, l => l.Contains("99 years"));

        // Another project's key never reads it.
        using var other = host.Host.CreateClient(EvaluatorHost.KeyOfB);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await other.GetAsync(ready.ExportPath)).StatusCode);
    }

    [Fact]
    public async Task Noise_within_the_intervals_produces_no_action()
    {
        await using var host = await EvaluatorHost.StartAsync();
        using var client = host.Host.CreateClient(EvaluatorHost.KeyOfA);
        (await client.PostAsJsonAsync("/api/evaluators", new { name = "json", kind = "json_valid" })).EnsureSuccessStatusCode();

        // 3 % and 5 % broken: a difference the sample cannot tell from chance, and neither rate a real problem.
        await host.PublishAndWaitAsync(Enumerable.Range(0, 100).Select(i => Traces.Trace("project-a", "q", Json(i, broken: i % 33 == 0), version: 2)).ToList());
        await host.PublishAndWaitAsync(Enumerable.Range(0, 100).Select(i => Traces.Trace("project-a", "q", Json(i, broken: i % 20 == 0), version: 3)).ToList());
        await Task.Delay(1_500);

        Assert.Empty(host.Captured<OptimizationActionProposed>().Messages);
    }
}

/// <summary>The rules OpenAI's fine-tuning file check applies to a chat example line.</summary>
public static class OpenAiChatFormat
{
    private static readonly string[] Roles = ["system", "user", "assistant"];

    public static void AssertValid(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(["messages"], root.EnumerateObject().Select(p => p.Name));
        var messages = root.GetProperty("messages").EnumerateArray().ToList();
        Assert.NotEmpty(messages);
        foreach (var message in messages)
        {
            Assert.Contains(message.GetProperty("role").GetString(), Roles);
            Assert.False(string.IsNullOrWhiteSpace(message.GetProperty("content").GetString()));
        }
        Assert.Contains(messages, m => m.GetProperty("role").GetString() == "user");
        Assert.Equal("assistant", messages[^1].GetProperty("role").GetString());
    }
}
