using System.Net.Http.Json;
using System.Text.Json;
using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;

namespace LlmOps.Evaluator.Tests.Experiments;

/// <summary>
/// The LLM simulator, a real inference-proxy in front of it (in-memory bus, SQLite, no budgets, single attempts so a
/// scripted failure is one failure), and the evaluator calling that proxy with its admin key for experiments.
/// </summary>
public sealed class ExperimentStack : IAsyncDisposable
{
    private ExperimentStack(TestHost simulator, TestHost proxy, EvaluatorHost evaluator)
    {
        Simulator = simulator;
        Proxy = proxy;
        Evaluator = evaluator;
    }

    public TestHost Simulator { get; }
    public TestHost Proxy { get; }
    public EvaluatorHost Evaluator { get; }

    public static async Task<ExperimentStack> StartAsync()
    {
        var simulator = await SimulatorHost.StartAsync();
        var proxy = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(InferenceProxyExtensions.ServiceName);
                builder.AddInferenceProxy();
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapInferenceProxyEndpoints();
            },
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["InferenceProxy:Budgets:Enabled"] = "false",
                ["InferenceProxy:Retry:MaxAttempts"] = "1",
                ["InferenceProxy:CircuitBreaker:MinimumThroughput"] = "10000",
                ["InferenceProxy:Deployments:0:Name"] = "simulator",
                ["InferenceProxy:Deployments:0:BaseUrl"] = new Uri(simulator.BaseAddress, "v1").ToString(),
                ["InferenceProxy:Deployments:0:Models:0"] = "*",
            });
        var evaluator = await EvaluatorHost.StartAsync(new Dictionary<string, string?>
        {
            ["Evaluator:Gateway:BaseUrl"] = proxy.BaseAddress.ToString(),
            ["Evaluator:Gateway:ApiKey"] = TestHost.AdminKey,
            ["Evaluator:Gateway:Concurrency"] = "4",
            ["Evaluator:Experiments:PollSeconds"] = "1",
        });
        return new ExperimentStack(simulator, proxy, evaluator);
    }

    /// <summary>A prompt version in the proxy's registry (default project: where the evaluator's admin-key calls resolve prompts).</summary>
    public async Task<int> CreatePromptVersionAsync(string name, string system, string user = "{{input}}")
    {
        using var proxy = Proxy.CreateClient();
        var created = await proxy.PostAsJsonAsync($"/api/prompts/{name}/versions", new
        {
            messages = new[] { new { role = "system", content = system }, new { role = "user", content = user } },
        });
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
    }

    public static async Task<Guid> CreateDatasetAsync(HttpClient client, string name, IEnumerable<object> items)
    {
        var created = await client.PostAsJsonAsync("/api/datasets", new { name, kind = "golden", description = "orders" });
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        (await client.PostAsJsonAsync($"/api/datasets/{id}/items", new { items })).EnsureSuccessStatusCode();
        return id;
    }

    public static async Task<Guid> StartExperimentAsync(HttpClient client, object body)
    {
        var started = await client.PostAsJsonAsync("/api/experiments", body);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, started.StatusCode);
        return (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>Polls the gate as CI would until it stops answering 202.</summary>
    public static async Task<HttpResponseMessage> GateAsync(HttpClient client, Guid id)
    {
        HttpResponseMessage? response = null;
        await Eventually.TrueAsync(async () =>
        {
            response = await client.GetAsync($"/api/experiments/{id}/gate");
            return response.StatusCode != System.Net.HttpStatusCode.Accepted;
        }, TimeSpan.FromSeconds(60), $"experiment {id} finished");
        return response!;
    }

    public async ValueTask DisposeAsync()
    {
        await Evaluator.DisposeAsync();
        await Proxy.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
