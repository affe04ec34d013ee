using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Testing;
using OpenAI.Chat;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LlmOps.SystemTests.Scenarios;

/// <summary>
/// Issue #11, a RAG app on six processes: the app traces its retrieval with the official OpenTelemetry .NET SDK
/// (OTLP http/protobuf straight to trace-collector) and asks the model through the gateway in the same trace (W3C
/// traceparent); the finished trace is scored with the RAG metrics, a user's thumbs-down with a correction lands on it
/// through feedback-ingest, and when the loop finds the model unfaithful to relevant context across two prompt versions
/// the correction becomes a curated fine-tune example.
/// </summary>
[Collection(ScenarioCollection.Name)]
public class RagFeedbackScenarioTests(ScenarioFixture fixture)
{
    private const string Prompt = "help";
    private const string Model = "sim-small";
    private const string DataSource = "help-center";
    private const string Question = "How long does the warranty last?";
    private const string Document = "How long does the warranty last? The warranty lasts two years from the date of purchase and covers manufacturing defects.";
    /// <summary>What the model says: on topic, but not what the retrieved document says (five years, accidents, worldwide).</summary>
    private const string UnfaithfulAnswer = "The warranty lasts five years and covers accidental damage worldwide.";
    private const string Correction = "The warranty lasts two years from the date of purchase and covers manufacturing defects.";

    private static readonly string[] DefaultEvaluators = ["answer_relevance", "context_relevance", "faithfulness", "pii_leak", "refusal"];

    private ServiceProcesses Platform => fixture.Platform;

    [Fact]
    public async Task Otlp_rag_trace_with_a_gateway_generation_is_scored_and_its_thumbs_down_correction_becomes_a_fine_tune_example()
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
        var project = "rag-" + Guid.NewGuid().ToString("N")[..8];
        var (_, key) = await Platform.CreateProjectWithKeyAsync(project);
        await Platform.WaitForKeyAsync(key);
        using var proxy = Platform[ServiceProcesses.InferenceProxy].CreateClient(key);
        using var collector = Platform[ServiceProcesses.TraceCollector].CreateClient(key);
        using var feedback = Platform[ServiceProcesses.FeedbackIngest].CreateClient(key);
        using var evaluator = Platform[ServiceProcesses.Evaluator].CreateClient(key);
        foreach (var version in new[] { 1, 2 })
        {
            var created = await proxy.PostAsJsonAsync($"/api/prompts/{Prompt}/versions", new
            {
                messages = new[] { new { role = "system", content = $"Answer from the context only (v{version}). [[sim:response={UnfaithfulAnswer}]]" } },
                model = Model,
                commitMessage = $"v{version}",
            });
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        using var app = new RagApp(Platform, key);

        // One answer first, scored and given feedback before the loop has enough traces to judge the model.
        var first = await app.AnswerAsync(Prompt + "#1");
        await WaitForTraceAsync(collector, first);

        var sent = await feedback.PostAsJsonAsync("/api/feedback", new
        {
            traceId = first, kind = "thumbs", value = false, comment = "Wrong: it is two years.", correction = Correction, userId = "customer-7",
            idempotencyKey = "ticket-" + first,
        });
        Assert.True(sent.StatusCode == HttpStatusCode.Accepted, await sent.Content.ReadAsStringAsync());
        var feedbackId = Assert.Single(JsonNode.Parse(await sent.Content.ReadAsStringAsync())!["ids"]!.AsArray())!.GetValue<string>();
        var listed = Assert.Single(JsonNode.Parse(await feedback.GetStringAsync($"/api/feedback?traceId={first}"))!["data"]!.AsArray())!;
        Assert.Equal((feedbackId, "thumbs", 0.0, Correction), (listed["id"]!.GetValue<string>(), listed["kind"]!.GetValue<string>(),
            listed["value"]!.GetValue<double>(), listed["correction"]!.GetValue<string>()));
        var human = await Eventually.UntilAsync(async () =>
        {
            var (trace, _) = await TraceApi.WaitAsync(collector, first);
            return trace["scores"]!.AsArray().SingleOrDefault(s => s!["name"]!.GetValue<string>() == "user_feedback");
        }, TimeSpan.FromSeconds(30), "the thumbs-down on the trace");
        Assert.Equal((Guid.Parse(feedbackId), 0.0, "human"), (Guid.Parse(human["id"]!.GetValue<string>()), human["value"]!.GetValue<double>(),
            human["source"]!.GetValue<string>()));

        // The rest of the traffic, both prompt versions: the model keeps answering unfaithfully to relevant context.
        var traces = new List<string> { first };
        for (var i = 1; i < 2 * ScenarioFixture.LoopMinSamples; i++)
            traces.Add(await app.AnswerAsync(Prompt + (i % 2 == 0 ? "#1" : "#2")));
        Assert.Equal(traces.Count, traces.Distinct().Count());
        foreach (var traceId in traces)
            await WaitForTraceAsync(collector, traceId);

        // The loop sends the model down the fine-tune path and curates the correction as an example.
        var action = await Eventually.UntilAsync(async () =>
        {
            var data = JsonNode.Parse(await evaluator.GetStringAsync("/api/actions?path=fine_tune"))!["data"]!.AsArray();
            return data.Count > 0 ? data : null;
        }, TimeSpan.FromSeconds(60), "the fine-tune action");
        var curation = Assert.Single(action)!;
        Assert.Equal(("fine_tune_curation", Model, "faithfulness"), (curation["kind"]!.GetValue<string>(), curation["model"]!.GetValue<string>(),
            curation["evidence"]!["metric"]!.GetValue<string>()));
        Assert.Equal(traces.Count, curation["evidence"]!["sampleSize"]!.GetValue<int>());
        Assert.Equal(traces.Count, curation["evidence"]!["failureCount"]!.GetValue<int>());
        Assert.Empty(JsonNode.Parse(await evaluator.GetStringAsync("/api/actions?path=rag"))!["data"]!.AsArray());

        var dataset = Assert.Single(JsonNode.Parse(await evaluator.GetStringAsync("/api/datasets?kind=fine_tune"))!["data"]!.AsArray())!;
        Assert.Equal($"fine-tune/{Model}", dataset["name"]!.GetValue<string>());
        var items = JsonNode.Parse(await evaluator.GetStringAsync($"/api/datasets/{dataset["id"]}/items"))!["data"]!.AsArray();
        var example = Assert.Single(items)!;
        Assert.Equal(("correction", first, Question, Correction), (example["source"]!.GetValue<string>(), example["sourceTraceId"]!.GetValue<string>(),
            example["input"]!.GetValue<string>(), example["expectedOutput"]!.GetValue<string>()));
        var export = await evaluator.GetStringAsync($"/api/datasets/{dataset["id"]}/export?format=openai-chat");
        var line = Assert.Single(export.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var messages = JsonNode.Parse(line)!["messages"]!.AsArray();
        Assert.Equal(Correction, messages.Last()!["content"]!.GetValue<string>());
        Assert.Contains("two years", messages.First()!["content"]!.GetValue<string>());
    }

    /// <summary>
    /// Waits for a trace to be complete and scored, and checks its shape: the app's root and retrieval spans and the
    /// gateway's generation under the root, each default evaluator's score once, relevant context and an unfaithful answer.
    /// </summary>
    private static async Task WaitForTraceAsync(HttpClient collector, string traceId)
    {
        var trace = await Eventually.UntilAsync(async () =>
        {
            var response = await collector.GetAsync($"/api/traces/{traceId}");
            if (response.StatusCode != HttpStatusCode.OK)
                return null;
            var json = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
            if (json["observations"]!.AsArray().Count < 3)
                return null;
            var names = json["scores"]!.AsArray().Where(s => s!["source"]!.GetValue<string>() == "eval").Select(s => s!["name"]!.GetValue<string>()).ToList();
            return DefaultEvaluators.All(names.Contains) ? json : null;
        }, TimeSpan.FromSeconds(30), $"trace {traceId} scored");

        var observations = trace["observations"]!.AsArray();
        var types = observations.Select(o => o!["type"]!.GetValue<string>()).Order().ToArray();
        Assert.True(types.SequenceEqual(["generation", "retrieval", "span"]), $"root span, retrieval and the gateway's generation expected: {trace.ToJsonString()}");
        var root = observations.Single(o => o!["type"]!.GetValue<string>() == "span")!;
        var generation = observations.Single(o => o!["type"]!.GetValue<string>() == "generation")!;
        var retrieval = observations.Single(o => o!["type"]!.GetValue<string>() == "retrieval")!;
        Assert.Equal(root["id"]!.GetValue<string>(), generation["parentId"]!.GetValue<string>());
        Assert.Equal(root["id"]!.GetValue<string>(), retrieval["parentId"]!.GetValue<string>());
        Assert.NotNull(generation["inferenceId"]);
        Assert.Contains("two years", retrieval["output"]!.ToJsonString());

        var scores = trace["scores"]!.AsArray().Where(s => s!["source"]!.GetValue<string>() == "eval").ToList();
        Assert.Equal(DefaultEvaluators, scores.Select(s => s!["name"]!.GetValue<string>()).Order().ToArray());
        double Value(string name) => scores.Single(s => s!["name"]!.GetValue<string>() == name)!["value"]!.GetValue<double>();
        Assert.True(Value("context_relevance") >= 0.5, $"relevant context expected: {trace.ToJsonString()}");
        Assert.True(Value("faithfulness") < 0.5, $"an unfaithful answer expected: {trace.ToJsonString()}");
    }

    /// <summary>
    /// A support bot instrumented the ordinary way: an ActivitySource exported by the OpenTelemetry SDK's OTLP exporter
    /// (http/protobuf, the project key in its headers), its retrieval as a GenAI retrieval span, and the model call through
    /// the gateway with the official OpenAI SDK, the gateway joining the trace from the W3C traceparent.
    /// </summary>
    private sealed class RagApp : IDisposable
    {
        private readonly ActivitySource _source = new("support-bot.rag-" + Guid.NewGuid().ToString("N")[..6]);
        private readonly TracerProvider _tracing;
        private readonly ChatClient _chat;
        private readonly GatewayHeaders _gateway;
        private string _prompt = "";

        public RagApp(ServiceProcesses platform, string key)
        {
            _tracing = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("support-bot"))
                .AddSource(_source.Name)
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = new Uri(platform[ServiceProcesses.TraceCollector].BaseAddress, "v1/traces");
                    o.Protocol = OtlpExportProtocol.HttpProtobuf;
                    o.Headers = $"Authorization=Bearer {key}";
                    // Exported when the request is answered (ForceFlush below), not on a timer in the middle of one: a
                    // timer export can send the retrieval span alone, and the trace then completes in two revisions.
                    o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 60_000;
                })
                .Build();
            _gateway = new GatewayHeaders()
                .With("x-llmops-prompt", () => _prompt)
                .With("traceparent", () => Activity.Current?.Id);
            _chat = _gateway.ChatClient(platform[ServiceProcesses.InferenceProxy].BaseAddress, key, Model);
        }

        /// <summary>Answers the question with <paramref name="prompt"/>; returns the trace id, which the gateway confirms.</summary>
        public async Task<string> AnswerAsync(string prompt)
        {
            _prompt = prompt;
            string traceId;
            using (var root = _source.StartActivity("answer-question", ActivityKind.Server)!)
            {
                root.SetTag("input.value", Question);
                using (var retrieval = _source.StartActivity("retrieve")!)
                {
                    retrieval.SetTag("gen_ai.operation.name", "retrieval");
                    retrieval.SetTag("gen_ai.data_source.id", DataSource);
                    retrieval.SetTag("gen_ai.retrieval.query.text", Question);
                    retrieval.SetTag("gen_ai.retrieval.documents", JsonSerializer.Serialize(new[] { new { id = "warranty-faq", content = Document, score = 0.92 } }));
                }
                var answer = await _chat.CompleteChatAsync([new UserChatMessage(Question)]);
                var text = answer.Value.Content[0].Text;
                Assert.Equal(UnfaithfulAnswer, text);
                root.SetTag("output.value", text);
                traceId = root.TraceId.ToHexString();
            }
            Assert.True(_tracing.ForceFlush(10_000), "the OTLP exporter flushed");
            var served = _gateway.Answers.Last();
            Assert.Equal(traceId, served.TraceId);
            Assert.Equal(prompt, served.Prompt);
            return traceId;
        }

        public void Dispose()
        {
            _tracing.Dispose();
            _source.Dispose();
        }
    }
}
