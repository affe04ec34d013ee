using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Evaluator.Tests.Experiments;

/// <summary>
/// The seeds' "golden prompts" test end to end: a golden dataset run through a real inference-proxy and the LLM simulator
/// (scripted by <c>[[sim:...]]</c> directives in the prompt versions and items), scored, compared and gated.
/// </summary>
public class ExperimentGateTests : IAsyncLifetime
{
    private const string JsonAnswer = """[[sim:response={"order":"shipped","eta":"2 days"}]]""";
    private ExperimentStack _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await ExperimentStack.StartAsync();

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();

    private static IEnumerable<object> Orders(int count) =>
        Enumerable.Range(1, count).Select(i => new { input = $"Where is order {1000 + i}?", expectedOutput = """{"order":"shipped"}""" });

    [Fact]
    public async Task Prompt_v1_answering_in_json_passes_the_gate_and_v2_breaking_it_fails_against_v1_as_baseline()
    {
        var v1 = await _stack.CreatePromptVersionAsync("orders", $"Answer as JSON with order and eta. {JsonAnswer}");
        var v2 = await _stack.CreatePromptVersionAsync("orders", "Answer in a friendly sentence. [[sim:response=Your order has shipped and arrives in 2 days.]]");
        using var evaluator = _stack.Evaluator.Host.CreateClient();
        var dataset = await ExperimentStack.CreateDatasetAsync(evaluator, "orders-golden", Orders(20));

        var baseline = await ExperimentStack.StartExperimentAsync(evaluator, new
        {
            datasetId = dataset, name = "orders v1", prompt = $"orders#{v1}", model = "sim-small",
            evaluators = new object[] { "json_valid", new { kind = "required_entities", name = "mentions-order", settings = new { entities = new[] { "order" } } } },
            gate = new { minPassRate = 0.95 },
        });
        var passed = await ExperimentStack.GateAsync(evaluator, baseline);

        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
        var verdict = await passed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(verdict.GetProperty("passed").GetBoolean());
        Assert.Contains(verdict.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("json_valid pass rate 1 over 20 items", StringComparison.Ordinal));
        var experiment = await evaluator.GetFromJsonAsync<JsonElement>($"/api/experiments/{baseline}");
        Assert.Equal("completed", experiment.GetProperty("experiment").GetProperty("status").GetString());
        Assert.Equal(20, experiment.GetProperty("experiment").GetProperty("progress").GetProperty("completed").GetInt32());
        var jsonValid = experiment.GetProperty("aggregates").GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "json_valid");
        Assert.Equal(1.0, jsonValid.GetProperty("passRate").GetDouble());
        Assert.Equal(20, jsonValid.GetProperty("scored").GetInt32());
        Assert.True(experiment.GetProperty("aggregates").GetProperty("inputTokens").GetInt64() > 0);
        var results = await evaluator.GetFromJsonAsync<JsonElement>($"/api/experiments/{baseline}/results?limit=5");
        Assert.Equal(20, results.GetProperty("total").GetInt32());
        var first = results.GetProperty("data")[0];
        Assert.Equal("""{"order":"shipped","eta":"2 days"}""", first.GetProperty("output").GetString());
        Assert.Equal(1, first.GetProperty("scores").GetProperty("json_valid").GetProperty("value").GetDouble());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("traceId").GetString()));

        var candidate = await ExperimentStack.StartExperimentAsync(evaluator, new
        {
            datasetId = dataset, name = "orders v2", prompt = $"orders#{v2}", model = "sim-small",
            evaluators = new object[] { "json_valid", new { kind = "required_entities", name = "mentions-order", settings = new { entities = new[] { "order" } } } },
            baselineExperimentId = baseline,
            gate = new { maxRegression = 0.02 },
        });
        var failed = await ExperimentStack.GateAsync(evaluator, candidate);

        Assert.Equal(HttpStatusCode.Conflict, failed.StatusCode);
        var rejection = await failed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(rejection.GetProperty("passed").GetBoolean());
        var failure = Assert.Single(rejection.GetProperty("failures").EnumerateArray()).GetString()!;
        Assert.StartsWith($"json_valid regressed by 1 vs baseline {baseline}: 1 → 0", failure);
        Assert.Contains("20 worse", failure);
        // The other metric held (both answers mention the order), and is reported as holding.
        Assert.Contains(rejection.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("mentions-order: 1 → 1", StringComparison.Ordinal));
        var comparison = rejection.GetProperty("comparison").EnumerateArray().Single(c => c.GetProperty("metric").GetString() == "json_valid");
        Assert.Equal(-1.0, comparison.GetProperty("delta").GetDouble());
        Assert.Equal(20, comparison.GetProperty("losses").GetInt32());
        Assert.True(comparison.GetProperty("pValue").GetDouble() < 0.001);
        var listed = await evaluator.GetFromJsonAsync<JsonElement>($"/api/experiments?datasetId={dataset}");
        Assert.Equal([candidate, baseline], listed.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task A_judge_scores_the_experiment_through_the_gateway_and_its_mean_is_gated()
    {
        using var evaluator = _stack.Evaluator.Host.CreateClient();
        // The simulator obeys the directive in the item both when answering and when judging (the judge's prompt quotes
        // the question): each answer is its own verdict, 0.9 "factual".
        var verdict = """[[sim:response={"score": 0.9, "verdict": "factual", "explanation": "supported"}]]""";
        var dataset = await ExperimentStack.CreateDatasetAsync(evaluator, "judged",
            Enumerable.Range(1, 5).Select(i => (object)new { input = $"Is order {i} shipped? {verdict}" }));
        var missingJudge = await evaluator.PostAsJsonAsync("/api/experiments", new { datasetId = dataset, model = "sim-small", evaluators = new[] { "hallucination" } });
        Assert.Equal(HttpStatusCode.BadRequest, missingJudge.StatusCode);

        var id = await ExperimentStack.StartExperimentAsync(evaluator, new
        {
            datasetId = dataset, model = "sim-small",
            evaluators = new object[] { new { kind = "hallucination", judgeDeployment = "sim-judge" } },
            gate = new { metrics = new Dictionary<string, double> { ["hallucination"] = 0.8 } },
        });
        var gate = await ExperimentStack.GateAsync(evaluator, id);

        Assert.Equal(HttpStatusCode.OK, gate.StatusCode);
        var experiment = await evaluator.GetFromJsonAsync<JsonElement>($"/api/experiments/{id}");
        var hallucination = experiment.GetProperty("aggregates").GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "hallucination");
        Assert.Equal(5, hallucination.GetProperty("scored").GetInt32());
        Assert.Equal(0.9, hallucination.GetProperty("mean").GetDouble(), 3);
    }

    [Fact]
    public async Task A_running_experiment_answers_202_with_retry_after_until_it_completes()
    {
        using var evaluator = _stack.Evaluator.Host.CreateClient();
        var dataset = await ExperimentStack.CreateDatasetAsync(evaluator, "slow", [new { input = $"Take your time. [[sim:ttft-ms=3000]] {JsonAnswer}" }]);
        var id = await ExperimentStack.StartExperimentAsync(evaluator, new { datasetId = dataset, model = "sim-small", evaluators = new[] { "json_valid" } });

        var early = await evaluator.GetAsync($"/api/experiments/{id}/gate");

        Assert.Equal(HttpStatusCode.Accepted, early.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), early.Headers.RetryAfter?.Delta);
        var waiting = await early.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(waiting.GetProperty("status").GetString(), new[] { "pending", "running" });
        Assert.Equal(HttpStatusCode.OK, (await ExperimentStack.GateAsync(evaluator, id)).StatusCode);
    }

    [Fact]
    public async Task Gateway_failures_are_item_errors_without_scores_and_too_many_fail_the_gate()
    {
        using var evaluator = _stack.Evaluator.Host.CreateClient();
        var items = Enumerable.Range(1, 10).Select(i => (object)new
        {
            input = i <= 2 ? $"Order {i}? [[sim:fail=500]]" : $"Order {i}? {JsonAnswer}",
            context = new[] { $"Order {i} shipped on Monday.", "Orders ship within 2 days." },
        });
        var dataset = await ExperimentStack.CreateDatasetAsync(evaluator, "flaky", items);
        var id = await ExperimentStack.StartExperimentAsync(evaluator, new
        {
            datasetId = dataset, model = "sim-small", evaluators = new[] { "json_valid", "context_relevance" }, gate = new { minPassRate = 0.95 },
        });

        var gate = await ExperimentStack.GateAsync(evaluator, id);

        Assert.Equal(HttpStatusCode.Conflict, gate.StatusCode);
        var verdict = await gate.Content.ReadFromJsonAsync<JsonElement>();
        var failure = Assert.Single(verdict.GetProperty("failures").EnumerateArray()).GetString()!;
        Assert.StartsWith("error rate 0.2 (2 of 10 items failed at the gateway) > 0.05", failure);
        // The answered items still pass: an error is not a failing score.
        Assert.Contains(verdict.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("json_valid pass rate 1 over 8 items", StringComparison.Ordinal));
        var errors = await evaluator.GetFromJsonAsync<JsonElement>($"/api/experiments/{id}/results?errorsOnly=true");
        Assert.Equal(2, errors.GetProperty("total").GetInt32());
        foreach (var result in errors.GetProperty("data").EnumerateArray())
        {
            Assert.StartsWith("the gateway answered 5", result.GetProperty("error").GetString());
            Assert.Empty(result.GetProperty("scores").EnumerateObject());
            Assert.Equal(2, result.GetProperty("item").GetProperty("context").GetArrayLength());
        }
        var experiment = await evaluator.GetFromJsonAsync<JsonElement>($"/api/experiments/{id}");
        Assert.Equal(2, experiment.GetProperty("experiment").GetProperty("progress").GetProperty("errors").GetInt32());
        var relevance = experiment.GetProperty("aggregates").GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "context_relevance");
        Assert.Equal(8, relevance.GetProperty("scored").GetInt32());
    }

    [Fact]
    public async Task Object_inputs_are_the_prompt_variables_the_gateway_renders()
    {
        var version = await _stack.CreatePromptVersionAsync("greeting", "Greet the customer. [[sim:echo=true]]", "Hello {{customer}}, about {{input}}");
        using var evaluator = _stack.Evaluator.Host.CreateClient();
        var dataset = await ExperimentStack.CreateDatasetAsync(evaluator, "greetings",
            [new { input = new { customer = "Ada Lovelace", input = "your invoice" } }, new { input = new { customer = "Alan Turing", input = "your refund" } }]);
        var id = await ExperimentStack.StartExperimentAsync(evaluator, new
        {
            datasetId = dataset, prompt = $"greeting#{version}", model = "sim-small",
            evaluators = new object[] { new { kind = "regex", settings = new { pattern = "^Hello (Ada Lovelace|Alan Turing), about your (invoice|refund)$" } } },
            gate = new { metrics = new { regex = 1.0 } },
        });

        Assert.Equal(HttpStatusCode.OK, (await ExperimentStack.GateAsync(evaluator, id)).StatusCode);
    }

    [Fact]
    public async Task Another_projects_experiments_and_datasets_are_not_found()
    {
        using var a = _stack.Evaluator.Host.CreateClient(EvaluatorHost.KeyOfA);
        using var b = _stack.Evaluator.Host.CreateClient(EvaluatorHost.KeyOfB);
        var dataset = await ExperimentStack.CreateDatasetAsync(a, "private", [new { input = $"Secret? {JsonAnswer}" }]);
        var id = await ExperimentStack.StartExperimentAsync(a, new { datasetId = dataset, model = "sim-small", evaluators = new[] { "json_valid" } });

        foreach (var path in new[] { $"/api/experiments/{id}", $"/api/experiments/{id}/gate", $"/api/experiments/{id}/results", $"/api/datasets/{dataset}/items" })
            Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsJsonAsync($"/api/datasets/{dataset}/items", new { input = "mine now" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/api/datasets/{dataset}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await b.PostAsJsonAsync("/api/experiments", new { datasetId = dataset, model = "sim-small", evaluators = new[] { "json_valid" } })).StatusCode);
        Assert.Empty((await b.GetFromJsonAsync<JsonElement>("/api/experiments")).GetProperty("data").EnumerateArray());
        // Its own project and the admin see it.
        Assert.Equal(HttpStatusCode.OK, (await ExperimentStack.GateAsync(a, id)).StatusCode);
        using var admin = _stack.Evaluator.Host.CreateClient();
        Assert.Equal("project-a", (await admin.GetFromJsonAsync<JsonElement>($"/api/experiments/{id}")).GetProperty("experiment").GetProperty("projectId").GetString());
    }
}

public class ExperimentResumeTests : IAsyncLifetime
{
    private ExperimentStack _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await ExperimentStack.StartAsync();

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task A_running_experiment_whose_replica_stopped_is_taken_over_when_its_lease_lapses_and_keeps_the_saved_results()
    {
        using var evaluator = _stack.Evaluator.Host.CreateClient();
        var dataset = await ExperimentStack.CreateDatasetAsync(evaluator, "resumed",
            Enumerable.Range(1, 3).Select(i => (object)new { input = $"Order {i}? [[sim:response={{\"ok\":true}}]]" }));
        var items = (await evaluator.GetFromJsonAsync<JsonElement>($"/api/datasets/{dataset}/items")).GetProperty("data").EnumerateArray()
            .Select(i => i.GetProperty("id").GetGuid()).ToList();
        var id = Guid.CreateVersion7();
        using (var scope = _stack.Evaluator.Host.Services.CreateScope())
        {
            // What a replica that died after saving its first item leaves behind.
            var db = scope.ServiceProvider.GetRequiredService<Infrastructure.EvaluatorDbContext>();
            db.Experiments.Add(new Infrastructure.ExperimentRecord
            {
                Id = id, ProjectId = "default", DatasetId = dataset, Model = "sim-small", Evaluators = """[{"name":"json_valid","kind":"json_valid"}]""",
                Gate = "{}", Status = "running", ClaimedBy = "dead-replica", LeaseUntil = DateTime.UtcNow.AddSeconds(-1), Attempts = 1, ItemCount = 3,
                CompletedItems = 1, CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow,
            });
            db.ExperimentResults.Add(new Infrastructure.ExperimentResultRecord
            {
                ExperimentId = id, ItemId = items[0], Output = "saved before the crash", LatencyMs = 5,
                Scores = """{"json_valid":{"status":"ok","value":0,"label":"invalid","explanation":"saved"}}""", CreatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        var gate = await ExperimentStack.GateAsync(evaluator, id);

        var verdict = await gate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(verdict.GetProperty("reasons").EnumerateArray(), r => r.GetString() == "error rate 0 (0 of 3 items failed at the gateway) ≤ 0.05");
        var results = await evaluator.GetFromJsonAsync<JsonElement>($"/api/experiments/{id}/results");
        var outputs = results.GetProperty("data").EnumerateArray().ToDictionary(r => r.GetProperty("itemId").GetGuid(), r => r.GetProperty("output").GetString());
        Assert.Equal("saved before the crash", outputs[items[0]]);
        Assert.Equal("""{"ok":true}""", outputs[items[1]]);
        var experiment = await evaluator.GetFromJsonAsync<JsonElement>($"/api/experiments/{id}");
        var jsonValid = experiment.GetProperty("aggregates").GetProperty("metrics")[0];
        Assert.Equal(2, jsonValid.GetProperty("passed").GetInt32());
        Assert.Equal(3, jsonValid.GetProperty("scored").GetInt32());
    }
}
