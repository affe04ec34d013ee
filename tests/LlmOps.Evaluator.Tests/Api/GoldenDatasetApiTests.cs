using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LlmOps.Evaluator.Tests.Api;

public class GoldenDatasetApiTests : IAsyncLifetime
{
    private EvaluatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EvaluatorHost.StartAsync(new Dictionary<string, string?> { ["Evaluator:Experiments:Enabled"] = "false" });

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task<Guid> CreateAsync(HttpClient client, string name)
    {
        var created = await client.PostAsJsonAsync("/api/datasets", new { name, description = "support questions" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Items_are_added_one_or_in_batches_deduplicated_by_content_and_shown_in_the_shape_given()
    {
        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);
        var id = await CreateAsync(a, "support/golden");

        var one = await a.PostAsJsonAsync($"/api/datasets/{id}/items", new { input = "How long is the warranty?", expectedOutput = "Two years." });
        var batch = await a.PostAsJsonAsync($"/api/datasets/{id}/items", new
        {
            items = new object[]
            {
                new { input = "How long is the warranty?", expectedOutput = "Two years." },
                new { input = new { question = "Can I return it?", customer = "Ada" }, context = new[] { "Returns within 30 days.", "Refunds take 5 days." },
                    metadata = new { topic = "returns" } },
                new { input = new { customer = "Ada", question = "Can I return it?" }, context = new[] { "Returns within 30 days.", "Refunds take 5 days." } },
            },
        });

        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        var added = await batch.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, added.GetProperty("added").GetInt32());
        Assert.Equal(2, added.GetProperty("duplicates").GetInt32());
        var ids = added.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("id").GetGuid(), i.GetProperty("duplicate").GetBoolean())).ToList();
        Assert.Equal((await one.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items")[0].GetProperty("id").GetGuid(), ids[0].Item1);
        Assert.Equal([true, false, true], ids.Select(i => i.Item2));
        Assert.Equal(ids[1].Item1, ids[2].Item1);

        var items = await a.GetFromJsonAsync<JsonElement>($"/api/datasets/{id}/items");
        var rag = items.GetProperty("data").EnumerateArray().Single(i => i.GetProperty("input").ValueKind == JsonValueKind.Object);
        Assert.Equal("Ada", rag.GetProperty("input").GetProperty("customer").GetString());
        Assert.Equal("Refunds take 5 days.", rag.GetProperty("context")[1].GetString());
        Assert.Equal("returns", rag.GetProperty("metadata").GetProperty("topic").GetString());
        var listed = await a.GetFromJsonAsync<JsonElement>("/api/datasets?kind=golden");
        Assert.Equal(2, Assert.Single(listed.GetProperty("data").EnumerateArray()).GetProperty("items").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync($"/api/datasets/{id}/items/{ids[1].Item1}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.DeleteAsync($"/api/datasets/{id}/items/{ids[1].Item1}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync($"/api/datasets/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/api/datasets/{id}/items")).StatusCode);
    }

    [Fact]
    public async Task A_dataset_name_is_unique_per_project()
    {
        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);
        using var b = _host.Host.CreateClient(EvaluatorHost.KeyOfB);
        await CreateAsync(a, "orders");

        Assert.Equal(HttpStatusCode.Conflict, (await a.PostAsJsonAsync("/api/datasets", new { name = "orders" })).StatusCode);
        await CreateAsync(b, "orders");
    }

    [Fact]
    public async Task Bad_datasets_items_and_experiments_are_refused_with_problem_details()
    {
        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);
        var id = await CreateAsync(a, "checked");
        (await a.PostAsJsonAsync($"/api/datasets/{id}/items", new { input = "Is it JSON?" })).EnsureSuccessStatusCode();

        await AssertBadAsync(a.PostAsJsonAsync("/api/datasets", new { name = " spaces " }), "name");
        await AssertBadAsync(a.PostAsJsonAsync("/api/datasets", new { name = "x", kind = "fine_tune" }), "kind");
        await AssertBadAsync(a.PostAsJsonAsync($"/api/datasets/{id}/items", new { expectedOutput = "no input" }), "item");
        await AssertBadAsync(a.PostAsJsonAsync($"/api/datasets/{id}/items", new { input = new string('x', 100_001) }), "item");
        await AssertBadAsync(a.PostAsJsonAsync($"/api/datasets/{id}/items", new { items = new object[] { new { input = "fine" }, new { input = "q", context = 42 } } }), "items[1]");
        var tooMany = await a.PostAsJsonAsync($"/api/datasets/{id}/items", new { items = Enumerable.Range(0, 1_001).Select(i => new { input = $"q{i}" }) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);
        Assert.Contains("at most 1,000 items", (await tooMany.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        await AssertBadAsync(a.PostAsJsonAsync("/api/experiments", new { datasetId = id, evaluators = new[] { "json_valid" } }), "model");
        await AssertBadAsync(a.PostAsJsonAsync("/api/experiments", new { datasetId = id, model = "m", evaluators = new[] { "vibes" } }), "evaluators[0]");
        await AssertBadAsync(a.PostAsJsonAsync("/api/experiments", new { datasetId = id, model = "m", evaluators = Array.Empty<string>() }), "evaluators");
        await AssertBadAsync(a.PostAsJsonAsync("/api/experiments", new { datasetId = id, model = "m", prompt = "orders@@x", evaluators = new[] { "json_valid" } }), "prompt");
        await AssertBadAsync(a.PostAsJsonAsync("/api/experiments",
            new { datasetId = id, model = "m", evaluators = new[] { "json_valid" }, gate = new { metrics = new { faithfulness = 0.8 } } }), "gate.metrics.faithfulness");
        await AssertBadAsync(a.PostAsJsonAsync("/api/experiments",
            new { datasetId = id, model = "m", evaluators = new[] { "json_valid" }, gate = new { maxRegression = 0.02 } }), "gate.maxRegression");
        await AssertBadAsync(a.PostAsJsonAsync("/api/experiments",
            new { datasetId = id, model = "m", evaluators = new[] { "json_valid" }, gate = new { minPassRate = 1.5 } }), "gate.minPassRate");
        await AssertBadAsync(a.PostAsJsonAsync("/api/experiments",
            new { datasetId = id, model = "m", evaluators = new[] { "json_valid" }, baselineExperimentId = Guid.NewGuid() }), "baselineExperimentId");
        Assert.Equal(HttpStatusCode.NotFound,
            (await a.PostAsJsonAsync("/api/experiments", new { datasetId = Guid.NewGuid(), model = "m", evaluators = new[] { "json_valid" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/api/experiments/{Guid.NewGuid()}/gate")).StatusCode);
    }

    private static async Task AssertBadAsync(Task<HttpResponseMessage> call, string field)
    {
        var response = await call;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on {field}: {problem}");
    }
}
