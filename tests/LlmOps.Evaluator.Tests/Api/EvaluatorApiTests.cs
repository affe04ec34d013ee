using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LlmOps.Evaluator.Tests.Api;

public class EvaluatorApiTests : IAsyncLifetime
{
    private EvaluatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EvaluatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("/api/evaluators")]
    [InlineData("/api/evaluators/status")]
    [InlineData("/api/actions")]
    [InlineData("/api/datasets")]
    [InlineData("/api/drift")]
    public async Task Every_route_needs_a_key(string path)
    {
        using var anonymous = _host.Host.CreateClient(bearerKey: null);
        using var wrong = _host.Host.CreateClient("not-a-key-0123456789");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/evaluators", new { name = "x", kind = "json_valid" })).StatusCode);
    }

    [Fact]
    public async Task A_project_key_manages_its_own_evaluators_and_never_sees_another_projects()
    {
        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);
        using var b = _host.Host.CreateClient(EvaluatorHost.KeyOfB);

        var created = await a.PostAsJsonAsync("/api/evaluators", new
        {
            name = "order-schema", kind = "json_schema", settings = new { schema = new { type = "object", required = new[] { "order" } } },
            promptName = "orders", samplingRate = 0.5,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal("project-a", body.GetProperty("projectId").GetString());
        Assert.Equal("orders", body.GetProperty("filters").GetProperty("promptName").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/evaluators/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PatchAsJsonAsync($"/api/evaluators/{id}", new { samplingRate = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/api/evaluators/{id}")).StatusCode);
        var listOfB = await b.GetFromJsonAsync<JsonElement>("/api/evaluators");
        Assert.Equal(0, listOfB.GetProperty("data").GetArrayLength());
        Assert.True(listOfB.GetProperty("usingDefaults").GetBoolean());
        // The admin sees any project's by asking for it.
        using var admin = _host.Host.CreateClient();
        var listOfA = await admin.GetFromJsonAsync<JsonElement>("/api/evaluators?projectId=project-a");
        Assert.Equal("order-schema", listOfA.GetProperty("data")[0].GetProperty("name").GetString());
        Assert.False(listOfA.GetProperty("usingDefaults").GetBoolean());
    }

    [Fact]
    public async Task Changing_an_evaluator_bumps_its_version_and_deleting_it_removes_it()
    {
        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);
        var id = (await (await a.PostAsJsonAsync("/api/evaluators", new { name = "short", kind = "length", settings = new { maxWords = 50 } }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var patched = await a.PatchAsJsonAsync($"/api/evaluators/{id}", new { samplingRate = 0.25, settings = new { maxWords = 80 } });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var body = await patched.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("version").GetInt32());
        Assert.Equal(0.25, body.GetProperty("samplingRate").GetDouble());
        Assert.Equal(80, body.GetProperty("settings").GetProperty("maxWords").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await a.PatchAsJsonAsync($"/api/evaluators/{id}", new { kind = "refusal" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync($"/api/evaluators/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/api/evaluators/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"x","kind":"sentiment"}""", "kind")]
    [InlineData("""{"name":"Bad Name!","kind":"json_valid"}""", "name")]
    [InlineData("""{"name":"s","kind":"json_schema"}""", "settings")]
    [InlineData("""{"name":"s","kind":"json_schema","settings":{"schema":{"type":"strnig"}}}""", "settings")]
    [InlineData("""{"name":"r","kind":"regex","settings":{"pattern":"(unclosed"}}""", "settings")]
    [InlineData("""{"name":"l","kind":"length","settings":{"minWords":10,"maxWords":5}}""", "settings")]
    [InlineData("""{"name":"p","kind":"pii_leak","settings":{"kinds":["dna"]}}""", "settings")]
    [InlineData("""{"name":"g","kind":"language","settings":{"expected":"english"}}""", "settings")]
    [InlineData("""{"name":"j","kind":"faithfulness","method":"judge"}""", "judgeDeployment")]
    [InlineData("""{"name":"h","kind":"hallucination","method":"lexical"}""", "method")]
    [InlineData("""{"name":"c","kind":"context_precision","method":"judge","judgeDeployment":"m"}""", "method")]
    [InlineData("""{"name":"v","kind":"toxicity","judgeDeployment":"m","rubricVersion":"v9"}""", "rubricVersion")]
    [InlineData("""{"name":"z","kind":"json_valid","samplingRate":1.5}""", "samplingRate")]
    public async Task Invalid_configuration_is_refused_with_the_field_at_fault(string json, string field)
    {
        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);

        var response = await a.PostAsync("/api/evaluators", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Malformed_and_oversized_bodies_and_duplicate_names_get_clear_errors()
    {
        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);

        var malformed = await a.PostAsync("/api/evaluators", new StringContent("{\"name\":", Encoding.UTF8, "application/json"));
        var huge = await a.PostAsJsonAsync("/api/evaluators", new { name = "big", kind = "required_entities", settings = new { entities = new[] { new string('x', 70_000) } } });
        (await a.PostAsJsonAsync("/api/evaluators", new { name = "dup", kind = "refusal" })).EnsureSuccessStatusCode();
        var duplicate = await a.PostAsJsonAsync("/api/evaluators", new { name = "dup", kind = "refusal" });

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
    }

    [Fact]
    public async Task Status_shows_backlog_and_lag()
    {
        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);
        await _host.PublishAndWaitAsync([Traces.Trace("project-a", "What is 2+2?", "4")]);

        var status = await a.GetFromJsonAsync<JsonElement>("/api/evaluators/status");

        var online = status.GetProperty("online");
        Assert.Equal(0, online.GetProperty("backlog").GetInt64());
        Assert.False(online.GetProperty("stalled").GetBoolean());
        Assert.True(online.GetProperty("evaluated").GetInt64() >= 1);
        Assert.True(online.GetProperty("lagMs").GetProperty("p95").GetDouble() >= 0);
    }

    [Fact]
    public async Task Actions_of_another_project_and_unknown_actions_are_not_found()
    {
        using var a = _host.Host.CreateClient(EvaluatorHost.KeyOfA);

        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/api/actions/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.PostAsJsonAsync($"/api/actions/{Guid.NewGuid()}/acknowledge", new { note = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/api/datasets/{Guid.NewGuid()}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await a.GetAsync("/api/actions?limit=0")).StatusCode);
    }
}

public class EvaluatorSettingsTests
{
    [Theory]
    [InlineData("Evaluator:Gateway:Concurrency", "0")]
    [InlineData("Evaluator:Loop:MinSamples", "1")]
    [InlineData("Evaluator:Loop:MinPassIntervalMs", "-1")]
    [InlineData("Evaluator:Drift:IntervalSeconds", "0")]
    public async Task A_nested_setting_out_of_range_stops_the_evaluator_at_start_naming_its_section(string key, string value)
    {
        var failure = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
        {
            await using var host = await EvaluatorHost.StartAsync(new Dictionary<string, string?> { [key] = value });
        });

        Assert.Contains("Evaluator:" + key.Split(':')[1], failure.Message);
    }
}
